"""The 2-working-day answer deadline of a consultation (第十条), over the county's working-day table."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from county.models import Consultation
from county.services import consultations, workdays
from county.services.consultations import deadline_of, due_label, received_on
from sync.clock import CHINA_TZ
from sync.ledger.workdays import WorkdayTable, bundled_table

TABLE = bundled_table()  # 2024–2026, from the published State Council arrangements


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ)


@pytest.mark.parametrize(
    ("asked", "received", "due"),
    [
        # before an ordinary weekend: in office hours Friday counts; after 17:30 the clock starts on Monday
        ("2026-11-27 16:00", "2026-11-27", "2026-12-01"),
        ("2026-11-27 17:29", "2026-11-27", "2026-12-01"),
        ("2026-11-27 17:30", "2026-11-30", "2026-12-02"),
        ("2026-11-28 10:00", "2026-11-30", "2026-12-02"),  # an ordinary Saturday
        # a Friday evening before the Spring Festival week: Saturday 14 February is a 调休 workday, then
        # 16–20 and 23 February are holidays; the 2 working days are 24 and 25 February
        ("2026-02-13 19:00", "2026-02-14", "2026-02-25"),
        # asked on that 调休 Saturday itself, in office hours: it is a working day like any other
        ("2026-02-14 10:00", "2026-02-14", "2026-02-25"),
        # asked on the 调休 Saturday 28 February: received that day, due Tuesday 3 March
        ("2026-02-28 11:00", "2026-02-28", "2026-03-03"),
        # the evening before the National Day week (1–7 October): received on 8 October, and the 2nd working
        # day is the 调休 Saturday 10 October
        ("2026-09-30 18:00", "2026-10-08", "2026-10-10"),
        # 1 May 2026 is a Friday holiday, 4–5 May too: a Thursday-evening question is received on 6 May
        ("2026-04-30 20:00", "2026-05-06", "2026-05-08"),
    ],
)
def test_deadline_over_the_table(asked, received, due):
    got_received, got_due = deadline_of(at(asked), TABLE)
    assert got_received == date.fromisoformat(received)
    assert got_due == date.fromisoformat(due)


def test_the_received_day_follows_office_hours_and_days_off():
    assert received_on(at("2026-11-30 07:00"), TABLE) == (date(2026, 11, 30), True)  # before opening: that day
    assert received_on(at("2026-10-01 09:00"), TABLE) == (date(2026, 10, 8), True)  # a holiday: the next workday


@pytest.mark.parametrize("asked", ["2027-03-05 10:00", "2026-12-31 18:00", "2026-12-30 10:00"])
def test_a_year_the_table_does_not_cover_is_never_guessed(asked):
    """No 2027 arrangements: the deadline is left open and shown as 时限待确认, whatever weekends would say."""
    _received, due = deadline_of(at(asked), TABLE)
    assert due is None
    assert due_label(due) == "时限待确认"


def test_a_year_inside_the_table_is_confirmed_up_to_its_last_working_days():
    assert deadline_of(at("2026-12-28 10:00"), TABLE)[1] == date(2026, 12, 30)


def test_publishing_the_missing_year_fills_in_the_open_deadlines(county):
    with county.session() as db:
        row, _code = consultations.create(db, None, question="明年的医保什么时候开始交？", source="phone")
        row.asked_at, row.due_date = at("2026-12-31 18:00"), None
        db.commit()
        table = WorkdayTable(frozenset({2027}), frozenset({date(2027, 1, 1)}), frozenset())
        workdays.publish_table(db, table, actor="test")
        db.commit()
        refreshed = db.get(Consultation, row.id)
        # received Monday 4 January 2027 (1 January a holiday, 2–3 a weekend), due Wednesday 6 January
        assert refreshed.due_date == date(2027, 1, 6)


def test_a_form_key_that_is_not_32_bytes_of_hex_stops_the_start():
    from county.config import ConfigError, Settings

    with pytest.raises(ConfigError):
        Settings(form_key="abc")
    assert Settings(form_key="ab" * 32).challenge_key() == bytes.fromhex("ab" * 32)
    assert Settings().challenge_key() is None
