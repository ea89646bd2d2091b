"""The fraud rules at ingest: what one batch brought, checked in a handful of indexed queries (fraud_rules.py).

Called by county/services/ingest.py inside the batch's transaction, after its cases are written; hits go to the
review items (fraud_review.py). Nothing here changes a case or a point's points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from county.config import FraudRules
from county.models import Device, Point
from county.services import fraud_cross
from county.services import fraud_rules as r
from county.services.cases import CaseBook
from county.services.fraud_review import record_hits
from sync.ledger.kinds import CaseState, EventType

CASE_TIMED = {EventType.CASE_RECORDED.value, EventType.CASE_COMPLETED.value}


def stamp_applicants(book: CaseBook, rows: Sequence[dict[str, Any]]) -> None:
    """Each new case keeps its applicant's look-up hash (the HMAC of the ID, from the sealed ledger row)."""
    lookups = {
        row["case_id"]: row.get("id_lookup")
        for row in rows
        if row["type"] == EventType.CASE_RECORDED.value and row["status"] == "accepted"
    }
    for case_id, case in book.cases.items():
        if case.new:
            case.values["id_lookup"] = lookups.get(case_id)


def check_batch(
    session: Session,
    point: Point,
    device: Device,
    book: CaseBook,
    rows: Sequence[dict[str, Any]],
    *,
    before_seq: int,
    skew: int | None,
    rules: FraudRules,
) -> int:
    """Run every ingest rule over the batch's accepted events; returns how many hits were added or grown."""
    accepted = [row for row in rows if row["status"] == "accepted"]
    if not accepted:
        return 0
    new = [case.values for case in book.cases.values() if case.new]
    voided_months = [
        case.values["credit_month"]
        for case in book.cases.values()
        if not case.new
        and "state" in case.changed
        and case.values["state"] == CaseState.VOIDED.value
        and case.values["completed_at"] is not None
        and case.values["credit_month"] is not None
    ]
    self_months = [
        case.values["credit_month"]
        for case in book.cases.values()
        if "self_completed" in case.changed and case.values["self_completed"] and case.values["credit_month"]
    ]
    late_months = [
        book.cases[case_id].values["completed_month"]
        for _seq, case_id, _credit in book.flagged
        if book.cases[case_id].values["completed_month"]
    ]
    hits = r.check_applicants(
        session,
        point.id,
        [(v["id_lookup"], v["item_code"], v["business_date"]) for v in new if v.get("id_lookup")],
        rules,
    )
    hits += fraud_cross.check_batch(
        session,
        [(v["id_lookup"], v["item_code"], v["business_date"], v["case_id"]) for v in new if v.get("id_lookup")],
        rules,
    )
    hits += r.check_bursts(session, point.id, device.id, [(v["recorded_at"], v["case_id"]) for v in new], rules)
    hits += r.check_brief(
        session, point.id, device.id, [(v["recorded_at"], v["case_id"], v.get("form_seconds")) for v in new], rules
    )
    hits += r.check_self_completed(session, point.id, self_months, rules)
    hits += r.check_voids(session, point.id, voided_months, rules)
    hits += r.check_late(session, point.id, late_months, rules)
    timed = [(row["seq"], row["occurred_at"], row["case_id"]) for row in accepted if row["type"] in CASE_TIMED]
    if timed:
        hits += r.clock_jumps(point.id, device.id, timed, r.previous_time(session, device.id, before_seq), rules)
        hits += r.skew_hit(point.id, device.id, skew, str(before_seq + 1), [t[2] for t in timed if t[2]], rules)
    return record_hits(session, hits, source="ingest") if hits else 0
