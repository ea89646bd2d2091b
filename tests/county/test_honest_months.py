"""The county's clock decides the month a completion earns in (docs/points.md), over the real endpoint on loopback.

Each test sets the county's clock with time-machine, which moves the in-process server's clock too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
import requests
import time_machine
from sqlalchemy import select

from county.models import Case, Device, LedgerEvent, Point, SyncBatch
from county.services import points, workdays
from county.services.crediting import county_workdays, month_closes
from sync.client import SyncClient, encode_body
from sync.ledger.chain import seal
from sync.ledger.events import CHINA_TZ, Event, EventDraft, format_time
from sync.ledger.forms import draft_complete
from sync.ledger.receipts import format_receipt_no
from sync.ledger.workdays import WorkdayTable
from sync.wire import PushRequest, PushResult, event_to_wire
from tests.county.test_ingest_rules import enrolled
from tests.factories import make_case_draft


def china(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA_TZ)


class Counter:
    """One enrolled device: drafts sealed into its chain, pushed over HTTP with the county's clock set."""

    def __init__(self, county, enrolled_at: datetime):
        with time_machine.travel(enrolled_at):
            self.token, self.point_code, self.device_no = enrolled(county)
        self.county, self.device_id = county, self.token.split(".")[0]
        self.client = SyncClient(county.base_url, self.token)
        self.events: list[Event] = []
        self.serial = 0

    def case(self, at: datetime) -> EventDraft:
        """A cash withdrawal (助农取现, 3 points) recorded at ``at`` (device time)."""
        self.serial += 1
        draft = make_case_draft(business_date=at.date(), item_code="FL012", amount="200")
        receipt = format_receipt_no(self.point_code, at.date(), self.device_no, self.serial)
        return replace(draft, body={**draft.body, "receipt_no": receipt}, occurred_at=format_time(at))

    @staticmethod
    def completion(case: EventDraft, at: datetime) -> EventDraft:
        return replace(draft_complete(case.body["case_id"]), occurred_at=format_time(at))

    def request(self, drafts: list[EventDraft], sent_at: datetime | None) -> PushRequest:
        start = len(self.events)
        for draft in drafts:
            prev = self.events[-1].hash if self.events else "0" * 64
            self.events.append(seal(draft, device_id=self.device_id, seq=len(self.events) + 1, prev_hash=prev))
        batch = self.events[start:]
        return PushRequest(
            device_id=self.device_id,
            from_seq=batch[0].seq,
            prev_hash=batch[0].prev_hash,
            head_hash=batch[-1].hash,
            events=[event_to_wire(e) for e in batch],
            app_version="test",
            sent_at=format_time(sent_at) if sent_at else None,
        )

    def send(
        self,
        drafts: list[EventDraft],
        county_time: datetime,
        *,
        device_clock: timedelta = timedelta(0),
        tells_time: bool = True,
    ) -> PushResult:
        """Push with the county's clock at ``county_time``; the device's clock off by ``device_clock``."""
        request = self.request(drafts, county_time + device_clock if tells_time else None)
        with time_machine.travel(county_time, tick=False):  # the county's clock stands still: skews are exact
            result = self.client.push(request)
        assert not result.rejected, result.rejected
        return result

    def cases(self) -> dict[str, Case]:
        with self.county.session() as session:
            return {c.case_id: c for c in session.scalars(select(Case).where(Case.device_id == self.device_id))}

    def statement(self) -> dict:
        with self.county.session() as session:
            point = session.scalar(select(Point).where(Point.code == self.point_code))
            published = session.scalar(
                select(points.CountyEvent.payload)
                .where(points.CountyEvent.point_id == point.id, points.CountyEvent.kind == "points_statement")
                .order_by(points.CountyEvent.id.desc())
                .limit(1)
            )
            assert published == points.statement_payload(session, point)
            return published


NOV_30 = date(2026, 11, 30)


def test_november_closes_on_the_fifth_working_day_of_december_by_the_county_table(county):
    with county.session() as session:
        table = county_workdays(session)
        assert month_closes("2026-11", table) == date(2026, 12, 7)  # Tue 1 … Fri 4, Mon 7
        # National Day: 1–7 October off, Saturday 10 October worked (调休): the 5th working day is the 13th
        assert month_closes("2026-09", table) == date(2026, 10, 13)

        # the county's own table is the authority: a county holiday on 7 December moves the close to the 8th
        def in_2026(days):
            return frozenset(d for d in days if d.year == 2026)

        workdays.publish_table(
            session,
            WorkdayTable(frozenset({2026}), in_2026(table.holidays) | {date(2026, 12, 7)}, in_2026(table.workdays)),
            actor="test",
        )
        session.commit()
        assert month_closes("2026-11", county_workdays(session)) == date(2026, 12, 8)


def test_a_completion_counts_in_its_own_month_while_it_is_open(county):
    counter = Counter(county, china(date(2026, 11, 2)))
    case = counter.case(china(NOV_30, 16))
    result = counter.send([case, counter.completion(case, china(NOV_30, 17))], china(date(2026, 12, 7), 23, 59))
    assert result.credits == [] and not result.clock.wrong
    stored = counter.cases()[case.body["case_id"]]
    assert (stored.credit_month, stored.credit_flag, stored.credited_at) == ("2026-11", None, stored.completed_at)
    assert counter.statement()["months"] == {"2026-11": {"raw": 3, "credited": 3, "capped": False, "cases": 1}}


def test_after_the_fifth_working_day_it_counts_in_the_month_received_flagged_late(county):
    counter = Counter(county, china(date(2026, 11, 2)))
    case = counter.case(china(NOV_30, 16))
    received = china(date(2026, 12, 8), 0, 5)
    result = counter.send([case, counter.completion(case, china(NOV_30, 17))], received)
    (note,) = result.credits
    assert (note.seq, note.flag, note.month) == (2, "late", "2026-12") and "计入县里收到的月份" in note.message
    stored = counter.cases()[case.body["case_id"]]
    assert (stored.completed_month, stored.credit_month, stored.credit_flag) == ("2026-11", "2026-12", "late")
    assert stored.credited_at.startswith("2026-12-08T00:05:0")  # the county's receive time (its clock ticks on)
    statement = counter.statement()
    assert statement["months"] == {"2026-12": {"raw": 3, "credited": 3, "capped": False, "cases": 1}}
    assert statement["quarters"] == {"2026-Q4": 3}
    assert statement["flags"] == [
        {
            "case_id": case.body["case_id"],
            "receipt_no": case.body["receipt_no"],
            "completed_at": stored.completed_at,
            "flag": "late",
            "month": "2026-12",
        }
    ]
    with county.session() as session:
        batch = session.scalar(select(SyncBatch).where(SyncBatch.device_id == counter.device_id))
        assert (batch.source, batch.late, batch.unpaid, batch.event_count) == ("push", 1, 0, 2)


def test_a_september_completion_sent_in_december_cannot_reach_the_settled_third_quarter(county):
    counter = Counter(county, china(date(2026, 8, 3)))
    cases = [counter.case(china(date(2026, 9, 10), 9, n)) for n in range(5)]
    counter.send(cases, china(date(2026, 9, 10), 12))
    result = counter.send(
        [counter.completion(c, china(date(2026, 9, 30), 10)) for c in cases], china(date(2026, 12, 1), 10)
    )
    assert {n.month for n in result.credits} == {"2026-12"}
    assert counter.statement()["quarters"] == {"2026-Q4": 15}


@pytest.mark.parametrize(
    ("why", "completed", "words"),
    [
        ("future", china(date(2099, 1, 1)), "晚于县里的当前时间"),
        ("before_enrolment", china(date(2021, 5, 1)), "早于这台电脑激活的时间"),
        ("before_case", china(date(2026, 11, 20), 10), "早于这笔办件的登记时间"),
    ],
)
def test_an_impossible_completion_is_kept_earns_nothing_is_flagged_and_the_counter_is_told(
    county, why, completed, words
):
    counter = Counter(county, china(date(2026, 11, 2)))
    case = counter.case(china(date(2026, 11, 27), 9))
    honest = counter.case(china(date(2026, 11, 27), 9, 5))
    result = counter.send(
        [
            case,
            honest,
            counter.completion(honest, china(date(2026, 11, 27), 9, 6)),
            counter.completion(case, completed),
        ],
        china(date(2026, 11, 27), 9, 30),
    )
    assert result.accepted == [[1, 4]]
    (note,) = result.credits
    assert (note.seq, note.case_id, note.flag, note.month) == (4, case.body["case_id"], why, None)
    assert words in note.message and "不计积分" in note.message
    stored = counter.cases()[case.body["case_id"]]
    assert (stored.state, stored.credit_month, stored.credit_flag) == ("completed", None, why)
    with county.session() as session:  # kept in the append-only ledger as it was sent
        kept = session.scalar(
            select(LedgerEvent).where(LedgerEvent.device_id == counter.device_id, LedgerEvent.seq == 4)
        )
        assert (kept.status, kept.occurred_at) == ("accepted", format_time(completed))
    statement = counter.statement()
    assert statement["months"] == {"2026-11": {"raw": 3, "credited": 3, "capped": False, "cases": 1}}
    assert [(f["case_id"], f["flag"], f["month"]) for f in statement["flags"]] == [(case.body["case_id"], why, None)]


def test_a_completion_a_few_minutes_ahead_is_within_the_tolerance(county):
    counter = Counter(county, china(date(2026, 11, 2)))
    case = counter.case(china(date(2026, 11, 27), 9))
    result = counter.send(
        [case, counter.completion(case, china(date(2026, 11, 27), 9, 38))], china(date(2026, 11, 27), 9, 30)
    )
    assert result.credits == [] and counter.cases()[case.body["case_id"]].credit_month == "2026-11"


def test_every_batch_records_its_clock_skew_and_a_wrong_clock_is_flagged_until_it_is_right(county):
    counter = Counter(county, china(date(2026, 11, 2)))
    now = china(date(2026, 11, 27), 10)
    fast = counter.send([counter.case(now + timedelta(hours=2))], now, device_clock=timedelta(hours=2, seconds=3))
    assert (fast.clock.skew_seconds, fast.clock.wrong) == (7203, True)
    with county.session() as session:
        device = session.get(Device, counter.device_id)
        assert (device.clock_skew_seconds, device.clock_wrong) == (7203, True)
    slight = counter.send([counter.case(now)], now + timedelta(minutes=5), device_clock=timedelta(minutes=-9))
    assert (slight.clock.skew_seconds, slight.clock.wrong) == (-540, False)
    old_counter = counter.send([counter.case(now)], now + timedelta(minutes=6), tells_time=False)
    assert old_counter.clock is None and old_counter.credits is None
    with county.session() as session:
        assert session.get(Device, counter.device_id).clock_wrong is False
        batches = session.execute(
            select(SyncBatch.skew_seconds, SyncBatch.device_time)
            .where(SyncBatch.device_id == counter.device_id)
            .order_by(SyncBatch.id)
        ).all()
    assert [skew for skew, _ in batches] == [7203, -540, None] and batches[2].device_time is None


def test_a_counter_that_does_not_send_its_clock_gets_the_answer_it_always_got(county):
    """Older counters parse answers strictly: no new keys reach them, even for a late completion."""
    counter = Counter(county, china(date(2026, 11, 2)))
    case = counter.case(china(NOV_30, 16))
    request = counter.request([case, counter.completion(case, china(NOV_30, 17))], None)
    with time_machine.travel(china(date(2026, 12, 9))):
        response = requests.post(
            f"{county.base_url}/api/v1/push",
            data=encode_body(request),
            headers={
                "Authorization": f"Device {counter.token}",
                "Content-Type": "application/json",
                "Content-Encoding": "ssb-dict-1",
            },
            timeout=10,
        )
    assert response.status_code == 200 and set(response.json()) == {
        "accepted",
        "duplicate",
        "rejected",
        "head",
        "server_time",
    }
    assert counter.cases()[case.body["case_id"]].credit_flag == "late"


@pytest.mark.parametrize("sent_at", ["9999-12-31T23:59:59.999+08:00", "0001-01-01T00:00:00.000+14:00", "昨天"])
def test_a_nonsense_device_clock_is_recorded_within_bounds(county, sent_at):
    counter = Counter(county, china(date(2026, 11, 2)))
    request = counter.request([counter.case(china(date(2026, 11, 27), 9))], None).model_copy(
        update={"sent_at": sent_at}
    )
    with time_machine.travel(china(date(2026, 11, 27), 10)):
        result = counter.client.push(request)
    assert result.accepted == [[1, 1]]
    with county.session() as session:
        skew = session.scalar(select(SyncBatch.skew_seconds).where(SyncBatch.device_id == counter.device_id))
    if sent_at == "昨天":
        assert skew is None and result.clock is None
    else:
        assert abs(skew) == 2**31 - 1 and result.clock.wrong
