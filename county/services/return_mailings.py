"""部门回寄: the licence or reply a department mails back to the villager through the point.

Recorded on the case in the console; queued for the point's devices, whose mailing ledger (寄递台账) lists it
as an incoming mailing for the agent to hand over.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Case, CountyEvent, LedgerEvent, ReturnMailing
from county.services import changes, texts
from county.services.common import audit, utcnow
from county.services.pii import PiiBox, PiiError, event_pii
from sync.ledger.events import china_now, format_time, new_id
from sync.ledger.forms_mailing import normalize_tracking_no
from sync.ledger.kinds import RECEIVER_LABELS, CaseState, Flow, Receiver
from sync.ledger.validation import ValidationError, mask_name

# A licence (办结) or a reply explaining what is missing (退回) goes back; earlier there is nothing to mail.
MAILABLE_STATES = frozenset({CaseState.COMPLETED, CaseState.RETURNED})


def record(
    session: Session, case: Case, tracking_no: str, contents: str, *, unit_code: str, actor: str
) -> ReturnMailing:
    if case.flow != Flow.APPROVAL or CaseState(case.state) not in MAILABLE_STATES:
        raise CountyError(
            Refusal.CONFLICT,
            "not_mailable",
            "只有已办结或已退回的审批类办件才能登记回寄（证照、批文或退回告知）。",
        )
    try:
        tracking = normalize_tracking_no(tracking_no)
    except ValidationError as exc:
        raise CountyError(Refusal.INVALID, "tracking_no", exc.message) from exc
    contents = texts.line(contents, field="contents", label="寄回的内容", max_len=100)
    if session.scalar(select(ReturnMailing.mailing_id).where(ReturnMailing.tracking_no == tracking)):
        raise CountyError(Refusal.CONFLICT, "tracking_used", f"运单号 {tracking} 已经登记过回寄，请核对。")
    mailed_at = format_time(china_now())
    mailing = ReturnMailing(
        mailing_id=new_id(),
        case_id=case.case_id,
        point_id=case.point_id,
        unit_code=unit_code,
        tracking_no=tracking,
        contents=contents,
        mailed_at=mailed_at,
        actor=actor,
        created_at=utcnow(),
    )
    session.add(mailing)
    session.add(
        CountyEvent(
            point_id=case.point_id,
            kind="return_mailing",
            case_id=case.case_id,
            payload={
                "mailing_id": mailing.mailing_id,
                "case_id": case.case_id,
                "receipt_no": case.receipt_no,
                "unit_code": unit_code,
                "tracking_no": tracking,
                "contents": contents,
                "mailed_at": mailed_at,
            },
            created_at=utcnow(),
        )
    )
    audit(session, actor, "case.return_mailing", f"case:{case.case_id}", tracking_no=tracking, contents=contents)
    changes.touch(session, [case.case_id])  # the data exchange delivers the case again, with its return mailing
    return mailing


def of_case(session: Session, case: Case) -> list[ReturnMailing]:
    return list(
        session.scalars(
            select(ReturnMailing).where(ReturnMailing.case_id == case.case_id).order_by(ReturnMailing.mailed_at)
        )
    )


@dataclass(frozen=True)
class CounterStep:
    """Where a return mailing stands at the counter, as the console shows it (the receiver masked)."""

    label: str  # 部门已寄出 / 已到代办点 / 已交群众
    text: str  # e.g. "已交群众 2026-11-28（家属代领 王*，领取单已签字）"


def counter_step(session: Session, box: PiiBox, mailing: ReturnMailing) -> CounterStep:
    """已到代办点 / 已交群众 with the day, from the counter's pushed events; a family member's name masked."""
    if mailing.handed_at:
        who = RECEIVER_LABELS.get(Receiver(mailing.receiver), "") if mailing.receiver else ""
        name = _receiver_name(session, box, mailing.handed_event_id)
        if name:
            who += f" {mask_name(name)}"
        signed = "，领取单已签字" if mailing.signed else "，未在领取单上签字"
        return CounterStep("已交群众", f"已交群众 {mailing.handed_date}（{who}{signed}）")
    if mailing.arrived_at:
        return CounterStep("已到代办点", f"已到代办点 {mailing.arrived_at[:10]}，待交群众")
    return CounterStep("部门已寄出", "部门已寄出，尚未到代办点")


def counter_history(mailing: ReturnMailing) -> list[tuple[str, str, str, str]]:
    """(when, who, what, note) of the counter's steps with a return mailing, for a case's history (no names)."""
    steps = []
    if mailing.arrived_at:
        steps.append((mailing.arrived_at, "代办点", "部门回寄已到代办点", mailing.contents))
    if mailing.handed_at:
        who = RECEIVER_LABELS.get(Receiver(mailing.receiver), "") if mailing.receiver else ""
        steps.append((mailing.handed_at, "代办点", "部门回寄已交群众", f"{mailing.handed_date}，{who}"))
    return steps


def handed_labels(session: Session, case_ids: list[str]) -> dict[str, str]:
    """case id → "已交群众 2026-11-28" / "已到代办点" / "部门已寄出" of its latest return mailing (for lists)."""
    labels: dict[str, str] = {}
    if not case_ids:
        return labels
    found = session.scalars(
        select(ReturnMailing).where(ReturnMailing.case_id.in_(case_ids)).order_by(ReturnMailing.mailed_at)
    )
    for mailing in found:
        if mailing.handed_at:
            labels[mailing.case_id] = f"已交群众 {mailing.handed_date}"
        elif mailing.arrived_at:
            labels[mailing.case_id] = f"已到代办点 {mailing.arrived_at[:10]}"
        else:
            labels[mailing.case_id] = f"部门已寄出 {mailing.mailed_at[:10]}"
    return labels


def _receiver_name(session: Session, box: PiiBox, event_id: str | None) -> str:
    if not event_id:
        return ""
    row = session.execute(
        select(LedgerEvent.event_id, LedgerEvent.pii_sealed, LedgerEvent.pii).where(LedgerEvent.event_id == event_id)
    ).first()
    if row is None:
        return ""
    try:
        pii = event_pii(box, row) or {}
    except PiiError:
        return ""
    return pii.get("receiver_name", "")  # gone once retention purged it
