"""Due dates of department work in working days from signing: weekends, the Spring Festival, 调休, uncovered years."""

from __future__ import annotations

from datetime import date

from county.models import Case
from county.services.due import DueState, case_due
from sync.ledger.workdays import UNCONFIRMED, bundled_table

TABLE = bundled_table()  # covers 2024–2026: the State Council's published arrangements


def _case(signed: str | None, *, state: str = "materials_received", flow: str = "approval", day: str = "2026-11-20"):
    return Case(
        case_id="c" * 32,
        state=state,
        flow=flow,
        business_date=day,
        materials_signed_at=f"{signed}T10:00:00.000+08:00" if signed else None,
    )


def test_weekend_is_not_counted():
    due = case_due(_case("2026-11-27"), 3, TABLE, date(2026, 11, 27))  # signed Friday
    assert due.day == date(2026, 12, 2)  # Mon, Tue, Wed
    assert due.state is DueState.RUNNING and due.label == "2026年12月02日前（还剩 3 个工作日）"


def test_spring_festival_and_makeup_saturday():
    # signed Fri 2026-02-13: Sat 02-14 is a 调休 workday (1); 02-16..20 and 02-23 are the holiday; Tue 24 (2), Wed 25 (3)
    due = case_due(_case("2026-02-13"), 3, TABLE, date(2026, 2, 13))
    assert due.day == date(2026, 2, 25)


def test_makeup_sunday_counts():
    due = case_due(_case("2026-09-18"), 1, TABLE, date(2026, 9, 18))  # Sun 09-20 is worked (调休)
    assert due.day == date(2026, 9, 20)


def test_overdue_and_soon():
    signed = _case("2026-11-20")  # Fri; 3 working days → Wed 11-25
    overdue = case_due(signed, 3, TABLE, date(2026, 11, 27))
    assert overdue.state is DueState.OVERDUE and overdue.label == "2026年11月25日到期，已超期 2 个工作日"
    today = case_due(signed, 3, TABLE, date(2026, 11, 25))
    assert today.state is DueState.SOON and today.label.endswith("（今天到期）")
    soon = case_due(signed, 3, TABLE, date(2026, 11, 23))  # Mon: Tue and Wed left
    assert soon.state is DueState.SOON and soon.label == "即将到期：2026年11月25日（还剩 2 个工作日）"
    assert case_due(signed, 3, TABLE, date(2026, 11, 20)).state is DueState.RUNNING
    assert sorted([soon, overdue], key=lambda d: d.sort_key)[0] is overdue


def test_a_year_the_table_does_not_cover_is_never_guessed():
    due = case_due(_case("2026-12-30"), 3, TABLE, date(2026, 12, 30))  # the deadline falls in 2027
    assert due.state is DueState.UNCONFIRMED and due.label == UNCONFIRMED and due.day is None
    assert case_due(_case("2026-12-01"), 3, TABLE, date(2027, 1, 5)).label == UNCONFIRMED  # today uncovered


def test_no_deadline_before_signing_or_when_closed():
    assert case_due(_case(None, state="materials_sent"), 3, TABLE, date(2026, 11, 27)).state is DueState.NOT_STARTED
    assert case_due(_case("2026-11-20", state="completed"), 3, TABLE, date(2026, 11, 27)).label == ""
    assert case_due(_case(None, flow="online", state="recorded"), 0, TABLE, date(2026, 11, 27)).label == ""
    online = case_due(_case(None, flow="online", state="recorded", day="2026-11-27"), 3, TABLE, date(2026, 11, 27))
    assert online.day == date(2026, 12, 2)
