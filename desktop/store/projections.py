"""Projections (视图): the case, mailing and day tables, derived from events and rebuildable from the log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text, update

from desktop.store.schema import PROJECTION_TABLES, case, day_total, mailing
from sync.ledger.events import Event, parse_time
from sync.ledger.kinds import CASE_PII_FIELDS, RETURNED_DIRECTION, CaseState, EventType, Flow, MailingState
from sync.ledger.lifecycle import LifecycleError, next_state
from sync.ledger.mailings import next_mailing_state, next_return_state

CASE_PUBLIC_FIELDS = ("mode", "village", "notes", "amount_fen", "materials")
_DAY_COUNTERS = ("case_count", "voided_count", "mailing_count", "amount_fen_total", "points_estimate")


class ProjectionError(Exception):
    """An event refers to something the projections do not hold (a bug or a damaged log)."""


def business_date(event: Event) -> str:
    return parse_time(event.occurred_at).date().isoformat()


def _last4(value: str | None) -> str | None:
    return value[-4:] if value else None


def _pii_columns(pii: Mapping[str, str] | None) -> dict[str, Any]:
    pii = pii or {}
    columns: dict[str, Any] = {name: pii[name] for name in CASE_PII_FIELDS if name in pii}
    if "id_number" in columns:
        columns["id_last4"] = _last4(columns["id_number"])
    if "mobile" in columns:
        columns["mobile_last4"] = _last4(columns["mobile"])
    return columns


def _details_columns(body: Mapping[str, Any], pii: Mapping[str, str] | None) -> dict[str, Any]:
    """The item's own fields: the body's details, and the personal values beside the applicant's."""
    personal = {key: value for key, value in (pii or {}).items() if key not in CASE_PII_FIELDS}
    return {
        "details_json": json.dumps(body["details"], ensure_ascii=False) if body.get("details") else None,
        "details_pii_json": json.dumps(personal, ensure_ascii=False) if personal else None,
    }


def _amended_details(row: Mapping[str, Any], changes: Mapping[str, Any], pii: Mapping[str, str] | None) -> dict:
    """A correction's item fields merged over the case's: the body's into details, the personal ones beside."""
    personal = {key: value for key, value in (pii or {}).items() if key not in CASE_PII_FIELDS}
    out: dict[str, Any] = {}
    if changes.get("details"):
        merged = {**json.loads(row["details_json"] or "{}"), **changes["details"]}
        out["details_json"] = json.dumps(merged, ensure_ascii=False)
    if personal:
        merged = {**json.loads(row["details_pii_json"] or "{}"), **personal}
        out["details_pii_json"] = json.dumps(merged, ensure_ascii=False)
    return out


# One static statement for every change to a day's totals: compiled once, reused on every save.
_BUMP_DAY = text(
    "INSERT INTO day_total (business_date, case_count, voided_count, mailing_count, amount_fen_total, points_estimate)"
    " VALUES (:day, :case_count, :voided_count, :mailing_count, :amount_fen_total, :points_estimate)"
    " ON CONFLICT (business_date) DO UPDATE SET"
    " case_count = case_count + excluded.case_count, voided_count = voided_count + excluded.voided_count,"
    " mailing_count = mailing_count + excluded.mailing_count,"
    " amount_fen_total = amount_fen_total + excluded.amount_fen_total,"
    " points_estimate = points_estimate + excluded.points_estimate"
)
_INSERT_CASE = insert(case)
_INSERT_MAILING = insert(mailing)
_LOAD_CASE = select(case).where(case.c.case_id == bindparam("case_id"))
_LOAD_MAILING = select(mailing).where(mailing.c.mailing_id == bindparam("mailing_id"))


def _bump_day(conn: Connection, day: str, **deltas: int) -> None:
    """Add to a day's totals, creating the day's row on first use."""
    conn.execute(_BUMP_DAY, {"day": day, **{name: deltas.get(name, 0) for name in _DAY_COUNTERS}})


def load_case(conn: Connection, case_id: str) -> Mapping[str, Any]:
    row = conn.execute(_LOAD_CASE, {"case_id": case_id}).mappings().first()
    if row is None:
        raise ProjectionError(f"unknown case {case_id}")
    return row


def load_mailing(conn: Connection, mailing_id: str) -> Mapping[str, Any]:
    row = conn.execute(_LOAD_MAILING, {"mailing_id": mailing_id}).mappings().first()
    if row is None:
        raise ProjectionError(f"unknown mailing {mailing_id}")
    return row


def _record_case(conn: Connection, event: Event) -> None:
    body = event.body
    materials = list(body.get("materials") or [])
    day = body["business_date"]
    conn.execute(
        _INSERT_CASE,
        dict(
            case_id=body["case_id"],
            receipt_no=body["receipt_no"],
            item_code=body["item_code"],
            flow=body["flow"],
            points=body["points"],
            mode=body["mode"],
            applicant_kind=body["applicant_kind"],
            state=CaseState.RECORDED,
            business_date=day,
            recorded_at=event.occurred_at,
            amount_fen=body.get("amount_fen"),
            village=body.get("village"),
            notes=body.get("notes"),
            materials_json=json.dumps(materials, ensure_ascii=False),
            missing_count=sum(1 for m in materials if m.get("status") == "missing"),
            first_seq=event.seq,
            last_seq=event.seq,
            **_pii_columns(event.pii),
            **_details_columns(body, event.pii),
        ),
    )
    _bump_day(conn, day, case_count=1, amount_fen_total=body.get("amount_fen") or 0)


def _change_case(conn: Connection, event: Event) -> None:
    row = load_case(conn, event.body["case_id"])
    flow, old_state = Flow(row["flow"]), CaseState(row["state"])
    new_state = next_state(flow, old_state, event.type, event.body)
    values: dict[str, Any] = {"state": new_state, "last_seq": event.seq}
    if event.type is EventType.CASE_AMENDED:
        changes = dict(event.body.get("changes") or {})
        for name in CASE_PUBLIC_FIELDS:
            if name in changes:
                values["materials_json" if name == "materials" else name] = (
                    json.dumps(changes[name], ensure_ascii=False) if name == "materials" else changes[name]
                )
        if "materials" in changes:
            values["missing_count"] = sum(1 for m in changes["materials"] if m.get("status") == "missing")
        values.update(_pii_columns(event.pii))
        values.update(_amended_details(row, changes, event.pii))
        if "amount_fen" in changes and old_state is not CaseState.VOIDED:
            delta = (changes["amount_fen"] or 0) - (row["amount_fen"] or 0)
            _bump_day(conn, row["business_date"], amount_fen_total=delta)
    elif event.type is EventType.CASE_STATUS_CHANGED:
        values["county_note"] = event.body.get("note") or None
    if new_state is CaseState.COMPLETED and old_state is not CaseState.COMPLETED:
        values["completed_at"] = event.occurred_at
        _bump_day(conn, business_date(event), points_estimate=row["points"])
    if new_state is CaseState.VOIDED:
        values["voided_at"] = event.occurred_at
        values["void_reason"] = event.body.get("reason")
        _bump_day(conn, row["business_date"], voided_count=1, amount_fen_total=-(row["amount_fen"] or 0))
        if old_state is CaseState.COMPLETED:
            completed_day = parse_time(row["completed_at"]).date().isoformat()
            _bump_day(conn, completed_day, points_estimate=-row["points"])
    conn.execute(update(case).where(case.c.case_id == row["case_id"]).values(**values))


def _record_mailing(conn: Connection, event: Event) -> None:
    body, pii = event.body, event.pii or {}
    day = body["business_date"]
    conn.execute(
        _INSERT_MAILING,
        dict(
            mailing_id=body["mailing_id"],
            direction=body["direction"],
            unit_code=body.get("unit_code"),
            contents=body["contents"],
            pieces=body["pieces"],
            case_ids_json=json.dumps(list(body.get("case_ids") or [])),
            state=MailingState.RECORDED,
            business_date=day,
            recorded_at=event.occurred_at,
            recipient_name=pii.get("recipient_name"),
            recipient_mobile=pii.get("recipient_mobile"),
            recipient_address=pii.get("recipient_address"),
            last_seq=event.seq,
        ),
    )
    _bump_day(conn, day, mailing_count=1)


def _change_mailing(conn: Connection, event: Event) -> None:
    row = load_mailing(conn, event.body["mailing_id"])
    new_state = next_mailing_state(MailingState(row["state"]), event.type)
    values: dict[str, Any] = {"state": new_state, "last_seq": event.seq}
    if event.type is EventType.MAILING_DISPATCHED:
        values.update(tracking_no=event.body["tracking_no"], dispatched_at=event.occurred_at)
    else:
        values["delivered_at"] = event.occurred_at
    conn.execute(update(mailing).where(mailing.c.mailing_id == row["mailing_id"]).values(**values))


def _hand_over(conn: Connection, event: Event) -> None:
    """部门回寄 at the counter: 已到代办点, then 已交群众 (who took it, the day, the signed slip)."""
    row = load_mailing(conn, event.body["mailing_id"])
    if row["direction"] != RETURNED_DIRECTION:
        next_mailing_state(MailingState(row["state"]), event.type)  # refuses: only a return mailing takes these
    new_state = next_return_state(MailingState(row["state"]), event.type)
    values: dict[str, Any] = {"state": new_state, "last_seq": event.seq}
    if event.type is EventType.MAILING_ARRIVED:
        values["arrived_at"] = event.occurred_at
    else:
        body = event.body
        values.update(
            handed_at=event.occurred_at,
            handed_date=body["handed_date"],
            receiver=body["receiver"],
            receiver_name=(event.pii or {}).get("receiver_name"),
            signed=bool(body["signed"]),
        )
    conn.execute(update(mailing).where(mailing.c.mailing_id == row["mailing_id"]).values(**values))


def _record_returned_mailing(conn: Connection, event: Event) -> None:
    """部门回寄: the department mailed the licence or reply back through the point; the agent hands it over."""
    body = event.body
    mailed_at = str(body["mailed_at"])
    if conn.execute(_LOAD_MAILING, {"mailing_id": body["mailing_id"]}).first() is not None:
        raise ProjectionError(f"mailing {body['mailing_id']} already held")
    conn.execute(
        _INSERT_MAILING,
        dict(
            mailing_id=body["mailing_id"],
            direction=RETURNED_DIRECTION,
            unit_code=body.get("unit_code"),
            contents=body["contents"],
            pieces=1,
            case_ids_json=json.dumps([body["case_id"]]),
            state=MailingState.DISPATCHED,
            tracking_no=body["tracking_no"],
            business_date=business_date(event),
            recorded_at=mailed_at,
            dispatched_at=mailed_at,
            last_seq=event.seq,
        ),
    )


def _close_day(conn: Connection, event: Event) -> None:
    day = event.body["business_date"]
    _bump_day(conn, day)
    conn.execute(
        update(day_total)
        .where(day_total.c.business_date == day)
        .values(closed_at=event.occurred_at, closed_seq=event.seq)
    )


def _attach_evidence(conn: Connection, event: Event) -> None:
    """The image lives in the evidence table (kept, not a projection); the case must exist and not be voided."""
    found = conn.execute(select(case.c.state).where(case.c.case_id == event.body["case_id"])).scalar()
    if found is None:
        raise LifecycleError("找不到这笔办件，无法添加材料影像。")
    if found == CaseState.VOIDED:
        raise LifecycleError("这笔办件已作废，不能再添加材料影像。")


def _consult_asked(conn: Connection, event: Event) -> None:
    """代办点转来的咨询 changes no case, mailing or day total; desktop/services/consults.py reads the log."""


_APPLY = {
    EventType.CASE_RECORDED: _record_case,
    EventType.CASE_AMENDED: _change_case,
    EventType.CASE_VOIDED: _change_case,
    EventType.CASE_COMPLETED: _change_case,
    EventType.MATERIALS_SENT: _change_case,
    EventType.CASE_STATUS_CHANGED: _change_case,
    EventType.MAILING_RECORDED: _record_mailing,
    EventType.MAILING_DISPATCHED: _change_mailing,
    EventType.MAILING_DELIVERED: _change_mailing,
    EventType.MAILING_RETURNED: _record_returned_mailing,
    EventType.MAILING_ARRIVED: _hand_over,
    EventType.MAILING_HANDED_OVER: _hand_over,
    EventType.DAY_CLOSED: _close_day,
    EventType.EVIDENCE_ATTACHED: _attach_evidence,
    EventType.CONSULT_ASKED: _consult_asked,
}


def apply(conn: Connection, event: Event) -> None:
    """Fold one event into the projections (raises LifecycleError for an illegal transition)."""
    _APPLY[event.type](conn, event)


def rebuild(conn: Connection, events: Iterable[Event]) -> int:
    """Empty the projections and fold the whole log again; returns how many events were applied."""
    for table in PROJECTION_TABLES:
        conn.execute(delete(table))
    count = 0
    for event in events:
        apply(conn, event)
        count += 1
    return count
