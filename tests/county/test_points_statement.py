"""The points statement each batch publishes recomputes only the months it touched, and always equals the whole
recomputation: completions across months, the monthly cap crossed, a late completion for a past month, voids
and a disqualification."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import time_machine
from sqlalchemy import select

from county.models import Case, CountyEvent, Point
from county.services import departments, points
from sync.ledger.chain import seal
from sync.ledger.events import CHINA_TZ, Event, EventDraft, format_time
from sync.ledger.forms import draft_complete, draft_void
from sync.ledger.receipts import format_receipt_no
from tests.county.test_ingest_rules import enrolled, push, request_for
from tests.factories import make_case_draft

SEPTEMBER, OCTOBER, NOVEMBER = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 2)


class Device:
    """One counter's chain: drafts sealed in order, pushed in batches, every event accepted."""

    def __init__(self, county):
        self.county = county
        self.token, self.point_code, self.device_no = enrolled(county)
        self.device_id = self.token.split(".")[0]
        self.events: list[Event] = []
        self.serials: dict[date, int] = {}

    def at(self, day: date, minute: int) -> str:
        return format_time(datetime.combine(day, time(9), CHINA_TZ) + timedelta(minutes=minute))

    def record(self, day: date, minute: int) -> EventDraft:
        """A cash withdrawal (助农取现, 3 points) recorded on ``day``."""
        self.serials[day] = self.serials.get(day, 0) + 1
        draft = make_case_draft(business_date=day, item_code="FL012", amount="200")
        receipt = format_receipt_no(self.point_code, day, self.device_no, self.serials[day])
        return replace(draft, body={**draft.body, "receipt_no": receipt}, occurred_at=self.at(day, minute))

    def push(self, drafts: list[EventDraft]) -> None:
        start = len(self.events)
        for draft in drafts:
            prev = self.events[-1].hash if self.events else "0" * 64
            self.events.append(seal(draft, device_id=self.device_id, seq=len(self.events) + 1, prev_hash=prev))
        for offset in range(start, len(self.events), 500):
            result = push(self.county, self.token, request_for(self.device_id, self.events[offset : offset + 500]))
            assert not result.rejected, result.rejected[:3]


def published_and_whole(county, point_code: str) -> tuple[dict, dict]:
    with county.session() as session:
        point = session.scalar(select(Point).where(Point.code == point_code))
        last = session.scalar(
            select(CountyEvent.payload)
            .where(CountyEvent.point_id == point.id, CountyEvent.kind == "points_statement")
            .order_by(CountyEvent.id.desc())
            .limit(1)
        )
        return last, points.statement_payload(session, point)


def china(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), CHINA_TZ)


def test_each_published_statement_equals_the_whole_recomputation(county):
    with time_machine.travel(china(date(2026, 8, 31)), tick=False):
        device = Device(county)
    cases: dict[date, list[EventDraft]] = {SEPTEMBER: [], OCTOBER: [], NOVEMBER: []}
    for day, count, sent in (
        (SEPTEMBER, 345, date(2026, 10, 3)),
        (OCTOBER, 20, date(2026, 11, 2)),
        (NOVEMBER, 12, date(2026, 11, 27)),
    ):  # 345 × 3 = 1,035: September is capped
        drafts: list[EventDraft] = []
        for n in range(count):
            recorded = device.record(day, n)
            cases[day].append(recorded)
            drafts += [recorded, replace(draft_complete(recorded.body["case_id"]), occurred_at=device.at(day, n + 400))]
        if day == NOVEMBER:
            late = device.record(SEPTEMBER, 900)  # recorded in September, completed there but sent in November
            drafts.append(late)
        with time_machine.travel(china(sent, 20), tick=False):  # each month sent while it is still open
            device.push(drafts)
    first, whole = published_and_whole(county, device.point_code)
    assert first == whole
    assert first["months"]["2026-09"] == {"raw": 1035, "credited": 1000, "capped": True, "cases": 345}
    assert first["quarters"] == {"2026-Q3": 1000, "2026-Q4": 96}

    late_completion = replace(draft_complete(late.body["case_id"]), occurred_at=device.at(SEPTEMBER, 950))
    voids = [
        replace(draft_void(d.body["case_id"], "录错了"), occurred_at=device.at(NOVEMBER, 600 + i))
        for i, d in enumerate(cases[SEPTEMBER][:15] + cases[NOVEMBER][:2])
    ]
    with time_machine.travel(china(NOVEMBER + timedelta(days=25), 21), tick=False):
        device.push([late_completion, *voids, device.record(NOVEMBER, 700)])
    second, whole = published_and_whole(county, device.point_code)
    assert second == whole != first
    # September closed in October: its late completion counts in November, the month the county received it
    assert second["months"]["2026-09"] == {"raw": 990, "credited": 990, "capped": False, "cases": 330}
    assert second["months"]["2026-11"]["cases"] == 11 and second["months"]["2026-10"] == first["months"]["2026-10"]
    assert [(f["case_id"], f["flag"], f["month"]) for f in second["flags"]] == [
        (late.body["case_id"], "late", "2026-11")
    ]

    with county.session() as session:
        october_case = session.get(Case, cases[OCTOBER][0].body["case_id"])
        assert october_case.completed_month == october_case.credit_month == "2026-10"
        departments.disqualify_case(session, october_case, "违规刷单", actor="县政务服务管理局")
        session.commit()
    third, whole = published_and_whole(county, device.point_code)
    assert third == whole
    assert third["months"]["2026-10"]["credited"] == first["months"]["2026-10"]["credited"] - 3
    assert third["quarters"]["2026-Q4"] == sum(third["months"][m]["credited"] for m in ("2026-10", "2026-11"))


def test_the_migration_fills_in_the_month_of_cases_already_completed(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from county.db import alembic_config, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'county.db'}")
    command.upgrade(alembic_config(engine), "0001")
    columns = (
        "case_id, point_id, device_id, receipt_no, item_code, flow, points, mode, applicant_kind, state, "
        "business_date, recorded_at, completed_at, disqualified"
    )
    with engine.begin() as connection:
        for case_id, completed_at in (
            ("a" * 32, "2026-09-30T23:30:00.000+08:00"),
            ("b" * 32, "2026-09-30T16:30:00.000+00:00"),  # 00:30 on 1 October, China time
            ("c" * 32, None),
        ):
            connection.execute(
                text(
                    f"INSERT INTO \"case\" ({columns}) VALUES (:id, 1, :dev, :no, 'FL012', "
                    f"'payment', 3, 'point', 'person', 'recorded', '2026-09-30', :at, :done, 0)"
                ),
                {
                    "id": case_id,
                    "no": f"0427-260930-10{case_id[0]}-0",
                    "dev": "d" * 32,
                    "at": "2026-09-30T09:00:00.000+08:00",
                    "done": completed_at,
                },
            )
    upgrade(engine)
    with engine.connect() as connection:
        months = {
            row[0]: tuple(row[1:])
            for row in connection.execute(
                text('SELECT case_id, completed_month, credit_month, credited_at, credit_flag FROM "case"')
            )
        }
    assert months == {
        "a" * 32: ("2026-09", "2026-09", "2026-09-30T23:30:00.000+08:00", None),  # 0003: as before
        "b" * 32: ("2026-10", "2026-10", "2026-09-30T16:30:00.000+00:00", None),
        "c" * 32: (None, None, None, None),
    }
