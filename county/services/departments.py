"""What a department does to a case through the county (材料已签收 / 受理 / 审批中 / 办结 / 退回), and disqualification.

Return mailings (部门回寄) live in county/services/return_mailings.py."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Case, CountyEvent, Point
from county.services import changes, texts
from county.services.common import audit, utcnow
from county.services.points import completion_month, publish_statement_if_changed
from sync.ledger.events import china_now, format_time
from sync.ledger.kinds import CASE_STATE_LABELS, CaseState, EventType
from sync.ledger.lifecycle import COUNTY_STATUSES, LifecycleError, next_state


def find_case(session: Session, point_code: str, receipt_no: str) -> Case:
    case = session.scalar(
        select(Case)
        .join(Point, Point.id == Case.point_id)
        .where(Point.code == point_code, Case.receipt_no == receipt_no)
    )
    if case is None:
        raise CountyError(Refusal.NOT_FOUND, "case_not_found", f"没有找到回执编号为 {receipt_no} 的办件。")
    return case


def set_case_status(session: Session, case: Case, status: str, note: str, *, actor: str) -> CountyEvent:
    """Move a case as its department decided, and queue the change for the point's devices."""
    if status not in COUNTY_STATUSES:
        raise CountyError(
            Refusal.INVALID,
            "bad_status",
            "状态只能是 materials_received（材料已签收）、accepted（受理）、in_review（审批中）、"
            "completed（办结）或 returned（退回）。",
        )
    if status == CaseState.MATERIALS_RECEIVED and case.materials_signed_at is not None:
        raise CountyError(
            Refusal.CONFLICT,
            "already_signed",
            f"这笔办件的材料已于 {case.materials_signed_at[:16].replace('T', ' ')} 签收，不用再签收。",
        )
    note = texts.paragraph(note, field="note", label="办理说明", max_len=500, required=False)
    if status == CaseState.RETURNED and not note:
        raise CountyError(Refusal.INVALID, "note_required", "退回办件时必须写明原因，群众才知道要补什么。")
    body = {"case_id": case.case_id, "status": status, "note": note}
    try:
        new_state = next_state(case.flow, CaseState(case.state), EventType.CASE_STATUS_CHANGED, body)
    except LifecycleError as exc:
        raise CountyError(Refusal.CONFLICT, "lifecycle", exc.message) from exc
    changed_at = format_time(china_now())
    if new_state is CaseState.COMPLETED and case.completed_at is None:
        month = completion_month(changed_at)  # the county's own clock: always its own, open month
        case.completed_at, case.completed_month, case.credited_at, case.credit_month = (
            changed_at,
            month,
            changed_at,
            month,
        )
    if new_state is CaseState.MATERIALS_RECEIVED:
        case.materials_signed_at, case.materials_signed_by = changed_at, actor
    case.state = new_state
    event = CountyEvent(
        point_id=case.point_id,
        kind="case_status",
        case_id=case.case_id,
        payload={**body, "changed_at": changed_at, "label": CASE_STATE_LABELS[new_state]},
        created_at=utcnow(),
    )
    session.add(event)
    changes.touch(session, [case.case_id])  # the data exchange delivers the case again, at the commit
    audit(session, actor, "case.status", f"case:{case.case_id}", status=status, note=note)
    if new_state is CaseState.COMPLETED and case.credit_month is not None:
        session.flush()
        publish_statement_if_changed(session, session.get(Point, case.point_id), months={case.credit_month})
    return event


def disqualify_case(session: Session, case: Case, reason: str, *, actor: str) -> None:
    """违规刷单: the case earns nothing; points are recomputed from the remaining cases."""
    reason = texts.paragraph(reason, field="reason", label="取消积分的原因", max_len=500, required=False)
    if not reason:
        raise CountyError(Refusal.INVALID, "reason_required", "取消积分必须写明原因。")
    case.disqualified, case.disqualify_reason = True, reason
    changes.touch(session, [case.case_id])
    audit(session, actor, "case.disqualify", f"case:{case.case_id}", reason=reason)
    session.flush()
    months = {case.credit_month} if case.credit_month else set()  # not credited: it earned nothing yet
    publish_statement_if_changed(session, session.get(Point, case.point_id), months=months)
