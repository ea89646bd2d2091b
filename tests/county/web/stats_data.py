"""A year of one point's history pushed through ingest at the days it happened, for the statistics tests.

A third point in 瑶里镇, enrolled 5 January 2026, beside the console fixture's two points (each with an FL015
approval case and an FL012 cash withdrawal recorded on 27 November 2026, nothing completed):

- 10 March: three FL012 cases (point, point, home), all completed; the second one later disqualified;
- 30 October: an FL012 case on an activity day, completed; a case recorded and voided; a mailing;
- 31 October: an FL012 case recorded and completed on the counter, pushed only on 20 November — October has
  closed by then (its 5th working day of November), so it is credited to November (late).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import time_machine
from sqlalchemy import select

from county.models import Case
from county.services import enrolment
from county.services.departments import disqualify_case
from sync.ledger.chain import GENESIS_HASH, seal
from sync.ledger.events import CHINA_TZ
from sync.ledger.forms import draft_complete, draft_void
from sync.ledger.receipts import format_receipt_no
from sync.wire import EnrolRequest
from tests.county.conftest import new_point
from tests.county.test_ingest_rules import push, request_for
from tests.factories import make_case_draft, make_mailing_draft

FL012_POINTS = 3
EXPECTED_MONTHS = {  # month: (cases, points, mailings), county-wide
    "2026-03": (3, 6, 0),
    "2026-10": (2, 3, 1),
    "2026-11": (4, 3, 0),
}


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CHINA_TZ)


class Counter:
    """One enrolled device of a new point: drafts sealed in a continuing chain, pushed when asked."""

    def __init__(self, console, township: str, name: str, enrolled: datetime):
        with time_machine.travel(enrolled, tick=False):
            made = new_point(console.county, township=township, name=name)
            with console.county.session() as session:
                result = enrolment.enrol(
                    session,
                    EnrolRequest(activation_code=made["code"], app_version="test", device_time=enrolled.isoformat()),
                    client="127.0.0.1",
                    settings=console.county.settings,
                )
                session.commit()
        self.console, self.point_code = console, made["point_code"]
        self.token, self.device_no = result.device_token, result.device_no
        self.device_id = self.token.split(".")[0]
        self.events: list = []
        self.serial = 0

    def case(self, day: datetime, **fields):
        draft = make_case_draft(item_code="FL012", amount="200", business_date=day.date(), **fields)
        self.serial += 1
        receipt = format_receipt_no(self.point_code, day.date(), self.device_no, self.serial)
        return replace(draft, body={**draft.body, "receipt_no": receipt})

    def seal(self, drafts) -> list:
        sealed = []
        for draft in drafts:
            prev = self.events[-1].hash if self.events else GENESIS_HASH
            self.events.append(seal(draft, device_id=self.device_id, seq=len(self.events) + 1, prev_hash=prev))
            sealed.append(self.events[-1])
        return sealed

    def push(self, sealed: list) -> None:
        result = push(self.console.county, self.token, request_for(self.device_id, sealed))
        assert not result.rejected, result.rejected


def add_history(console) -> Counter:
    counter = Counter(console, "瑶里镇", "瑶里村代办点二", at("2026-01-05"))
    march = at("2026-03-10")
    with time_machine.travel(march, tick=False):
        cases = [counter.case(march), counter.case(march), counter.case(march, mode="home")]
        done = [draft_complete(c.body["case_id"]) for c in cases]
        counter.push(counter.seal([*cases, *done]))
    october = at("2026-10-30")
    with time_machine.travel(october, tick=False):
        activity, voided = counter.case(october, mode="activity_day"), counter.case(october)
        drafts = [activity, draft_complete(activity.body["case_id"]), voided]
        drafts += [draft_void(voided.body["case_id"], "录错了"), make_mailing_draft(business_date=october.date())]
        counter.push(counter.seal(drafts))
    last_day = at("2026-10-31")
    with time_machine.travel(last_day, tick=False):
        late = counter.case(last_day)
        sealed = counter.seal([late, draft_complete(late.body["case_id"])])
    with time_machine.travel(at("2026-11-20"), tick=False):
        counter.push(sealed)
    with console.county.session() as session:
        flagged = session.get(Case, late.body["case_id"])
        assert (flagged.credit_month, flagged.credit_flag) == ("2026-11", "late")
        second = session.scalar(select(Case).where(Case.case_id == cases[1].body["case_id"]))
        disqualify_case(session, second, "同一人重复办理", actor="test")
        session.commit()
    return counter
