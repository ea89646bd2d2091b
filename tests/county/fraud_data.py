"""A counter's chain for the fraud-rule tests: cases of chosen applicants at chosen seconds, pushed through ingest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import time_machine
from sqlalchemy import select

from county.config import FraudRules, Settings
from county.models import FraudHit, FraudReview, Point
from county.services import enrolment, ingest
from county.services.auth import authenticate
from sync.ledger.chain import seal
from sync.ledger.events import CHINA_TZ, Event, EventDraft, format_time
from sync.ledger.forms import draft_complete, draft_void
from sync.ledger.receipts import format_receipt_no
from sync.wire import EnrolRequest
from tests.county.conftest import new_point
from tests.county.test_ingest_rules import request_for
from tests.factories import make_case_draft, resident_id

NOVEMBER = date(2026, 11, 10)


def china(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), CHINA_TZ)


class Counter:
    """One device of a new point (its own township unless given): drafts sealed in order, pushed in batches."""

    def __init__(self, county, **point):
        with time_machine.travel(china(date(2026, 10, 1)), tick=False):
            made = new_point(county, **point)
            with county.session() as session:
                result = enrolment.enrol(
                    session,
                    EnrolRequest(
                        activation_code=made["code"], app_version="test", device_time=self.at(date(2026, 10, 1), 0)
                    ),
                    client="127.0.0.1",
                    settings=Settings(),
                )
        self.token, self.point_code, self.device_no = result.device_token, result.point.code, result.device_no
        self.county = county
        self.device_id = self.token.split(".")[0]
        self.events: list[Event] = []
        self.serials: dict[date, int] = {}

    @staticmethod
    def at(day: date, second: int) -> str:
        return format_time(china(day) + timedelta(seconds=second))

    def record(
        self, day: date, second: int, *, person: int = 1, item: str = "FL012", form_seconds: int | None = None
    ) -> EventDraft:
        """A case of ``item`` for applicant number ``person`` recorded ``second`` seconds after 09:00 on ``day``."""
        self.serials[day] = self.serials.get(day, 0) + 1
        draft = make_case_draft(
            business_date=day,
            item_code=item,
            amount="200" if item == "FL012" else None,
            id_number=resident_id(order=person % 1000),
            form_seconds=form_seconds,
        )
        receipt = format_receipt_no(self.point_code, day, self.device_no, self.serials[day])
        return replace(draft, body={**draft.body, "receipt_no": receipt}, occurred_at=self.at(day, second))

    def complete(self, recorded: EventDraft, day: date, second: int) -> EventDraft:
        return replace(draft_complete(recorded.body["case_id"]), occurred_at=self.at(day, second))

    def void(self, recorded: EventDraft, day: date, second: int) -> EventDraft:
        return replace(draft_void(recorded.body["case_id"], "录错了"), occurred_at=self.at(day, second))

    def push(
        self,
        drafts: list[EventDraft],
        *,
        rules: FraudRules | None = None,
        when: datetime | None = None,
        sent_at: str | None = None,
    ):
        start = len(self.events)
        for draft in drafts:
            prev = self.events[-1].hash if self.events else "0" * 64
            self.events.append(seal(draft, device_id=self.device_id, seq=len(self.events) + 1, prev_hash=prev))
        request = request_for(self.device_id, self.events[start:])
        if sent_at is not None:  # the device's clock as it sends the batch
            request = request.model_copy(update={"sent_at": sent_at})
        with time_machine.travel(when or china(NOVEMBER, 20), tick=False), self.county.session() as session:
            device, point = authenticate(session, f"Device {self.token}", lock=True)
            result = ingest.push(session, device, point, request, max_events=500, box=self.county.box, fraud=rules)
        assert not result.rejected, result.rejected[:3]
        return result


def hits(county, point_code: str) -> list[tuple[str, list[str]]]:
    """(rule, case ids) of every hit at the point, in the order found."""
    with county.session() as session:
        point = session.scalar(select(Point).where(Point.code == point_code))
        return [
            (hit.rule, list(hit.case_ids))
            for hit in session.scalars(select(FraudHit).where(FraudHit.point_id == point.id).order_by(FraudHit.id))
        ]


def reviews(county, point_code: str) -> list[FraudReview]:
    with county.session() as session:
        point = session.scalar(select(Point).where(Point.code == point_code))
        found = session.scalars(select(FraudReview).where(FraudReview.point_id == point.id)).all()
        session.expunge_all()
        return list(found)
