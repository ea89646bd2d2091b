"""Fraud review (刷单复核): rule hits gathered into one review item per point, and the reviewer's decision.

Rules flag, people decide (docs/fraud-review.md). A hit opens the point's review item, or joins the one already
open; finding the same pattern again adds nothing (a rerun of the nightly scan is idempotent), and cases added
to a pattern already decided open a new item. An item that is open or escalated holds the point's settlement
(county/services/settlement.py ``HOLDS``). A township reviewer (own township only) or the bureau decides:

- clear (排除): nothing changes but the item, with a note;
- disqualify (取消资格): the chosen cases earn nothing (county/services/departments.disqualify_case, which
  recomputes the points statement that tells the counter, and the next settlement claws back what was paid);
- escalate (转交核查/撤销): recorded with a note for the inspection or revocation; the hold stays until a final
  clear or disqualify.

A final decision (clear or disqualify) marks the tamper flags the item named as reviewed. Every decision is
audit-logged in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Case, FraudHit, FraudReview, Point, TamperFlag
from county.services import texts
from county.services.common import audit, utcnow
from county.services.departments import disqualify_case
from county.services.fraud_rules import TAMPER, Hit
from county.services.scope import Scope

OPEN, ESCALATED, CLEARED, DISQUALIFIED = "open", "escalated", "cleared", "disqualified"
PENDING = (OPEN, ESCALATED)  # not finally decided: holds the settlement
STATE_LABELS = {OPEN: "待复核", ESCALATED: "已转交核查", CLEARED: "已排除", DISQUALIFIED: "已取消资格"}
ESCALATIONS = {"inspection": "转交现场核查", "revocation": "建议撤销代办点"}


def record_hits(session: Session, hits: Iterable[Hit], *, source: str, now: datetime | None = None) -> int:
    """Store each hit once: a pattern already recorded with all these cases is skipped; one in a pending item
    gains the new cases; otherwise the point's pending item (or a new one) gets a new hit. Returns hits added
    or grown."""
    now = now or utcnow()
    changed = 0
    opened: dict[int, FraudReview] = {}  # the point's open item, looked up (or made) once per call
    for hit in hits:
        known = session.scalars(
            select(FraudHit).where(
                FraudHit.point_id == hit.point_id, FraudHit.rule == hit.rule, FraudHit.key == hit.key
            )
        ).all()
        wanted = set(hit.case_ids)
        if any(wanted <= set(old.case_ids) for old in known):
            continue
        pending = [old for old in known if session.get(FraudReview, old.review_id).state in PENDING]
        if pending:
            old = pending[-1]
            old.case_ids, old.figures, old.found_at = sorted(wanted | set(old.case_ids)), hit.figures, now
            session.get(FraudReview, old.review_id).updated_at = now
        else:
            review = opened.get(hit.point_id) or _pending_review(session, hit.point_id, now)
            opened[hit.point_id] = review
            session.add(
                FraudHit(
                    review_id=review.id,
                    point_id=hit.point_id,
                    rule=hit.rule,
                    key=hit.key[:200],
                    figures=hit.figures,
                    case_ids=sorted(wanted),
                    source=source,
                    found_at=now,
                )
            )
            review.updated_at = now
        changed += 1
    if changed:
        session.flush()
    return changed


def _pending_review(session: Session, point_id: int, now: datetime) -> FraudReview:
    review = session.scalar(
        select(FraudReview)
        .where(FraudReview.point_id == point_id, FraudReview.state == OPEN)
        .order_by(FraudReview.id.desc())
        .limit(1)
    )
    if review is None:
        review = FraudReview(point_id=point_id, state=OPEN, opened_at=now, updated_at=now)
        session.add(review)
        session.flush()
    return review


# ---- what a reviewer sees -----------------------------------------------------------------------------------
def queue(session: Session, scope: Scope, *, pending_only: bool = True, limit: int = 200) -> list[dict]:
    """Review items the viewer may see (a township its own points'), oldest pending first."""
    query = (
        select(FraudReview, Point)
        .join(Point, Point.id == FraudReview.point_id)
        .where(scope.point_filter())
        .order_by(FraudReview.opened_at, FraudReview.id)
        .limit(limit)
    )
    if pending_only:
        query = query.where(FraudReview.state.in_(PENDING))
    rows = session.execute(query).all()
    ids = [review.id for review, _p in rows]
    rules: dict[int, list[str]] = {}
    cases: dict[int, set[str]] = {}
    if ids:
        for review_id, rule, case_ids in session.execute(
            select(FraudHit.review_id, FraudHit.rule, FraudHit.case_ids).where(FraudHit.review_id.in_(ids))
        ):
            rules.setdefault(review_id, []).append(rule)
            cases.setdefault(review_id, set()).update(case_ids)
    return [
        {
            "review": review,
            "point": point,
            "rules": sorted(set(rules.get(review.id, []))),
            "cases": len(cases.get(review.id, ())),
        }
        for review, point in rows
    ]


def visible(session: Session, scope: Scope, review_id: int) -> tuple[FraudReview, Point]:
    found = session.execute(
        select(FraudReview, Point)
        .join(Point, Point.id == FraudReview.point_id)
        .where(FraudReview.id == review_id, scope.point_filter())
    ).first()
    if found is None:
        raise CountyError(Refusal.NOT_FOUND, "review_not_found", "没有这条复核事项，或它不在你的管辖范围内。")
    return found[0], found[1]


def hits_of(session: Session, review_id: int) -> list[FraudHit]:
    return list(session.scalars(select(FraudHit).where(FraudHit.review_id == review_id).order_by(FraudHit.id)))


def cases_of(session: Session, hits: list[FraudHit]) -> list[Case]:
    ids = sorted({case_id for hit in hits for case_id in hit.case_ids})
    if not ids:
        return []
    return list(session.scalars(select(Case).where(Case.case_id.in_(ids)).order_by(Case.receipt_no)))


# ---- decisions ---------------------------------------------------------------------------------------------
def _pending(session: Session, scope: Scope, review_id: int) -> FraudReview:
    review, _point = visible(session, scope, review_id)
    if review.state not in PENDING:
        raise CountyError(
            Refusal.CONFLICT, "already_decided", f"这条复核事项已经处理过了（{STATE_LABELS[review.state]}），不能再改。"
        )
    return review


def _note(note: str, label: str) -> str:
    note = texts.paragraph(note, field="note", label=label, max_len=500, required=False)
    if not note:
        raise CountyError(Refusal.INVALID, "note_required", f"请写明{label}。")
    return note


def _decide(session: Session, review: FraudReview, state: str, note: str, actor: str) -> None:
    """A final decision: the item is closed and the tamper flags it named count as reviewed (their hold ends)."""
    now = utcnow()
    flag_ids = [int(h.key) for h in hits_of(session, review.id) if h.rule == TAMPER and h.key.isdigit()]
    for flag in session.scalars(select(TamperFlag).where(TamperFlag.id.in_(flag_ids))) if flag_ids else ():
        flag.resolved_at = flag.resolved_at or now
    review.state, review.decision_note, review.decided_by, review.decided_at = state, note, actor, now


def clear(session: Session, scope: Scope, review_id: int, note: str, *, actor: str) -> FraudReview:
    """排除: the hits were explained; the point's points stay as they are; named tamper flags count as reviewed."""
    review = _pending(session, scope, review_id)
    note = _note(note, "排除的理由")
    _decide(session, review, CLEARED, note, actor)
    audit(session, actor, "fraud.clear", f"fraud_review:{review.id}", point_id=review.point_id, note=note)
    session.flush()
    return review


def disqualify(
    session: Session, scope: Scope, review_id: int, case_ids: Iterable[str], reason: str, *, actor: str
) -> FraudReview:
    """取消资格: the chosen cases of the item's hits earn nothing (the counter is told by the points statement)."""
    review = _pending(session, scope, review_id)
    reason = _note(reason, "取消资格的原因")
    chosen = sorted(set(case_ids))
    named = {case_id for hit in hits_of(session, review.id) for case_id in hit.case_ids}
    if not chosen:
        raise CountyError(Refusal.INVALID, "cases_required", "请至少勾选一笔要取消资格的办件。")
    if not set(chosen) <= named:
        raise CountyError(Refusal.INVALID, "case_not_named", "只能取消这条复核事项所列办件的资格。")
    cases = session.scalars(select(Case).where(Case.case_id.in_(chosen))).all()
    for case in cases:
        if not case.disqualified:
            disqualify_case(session, case, reason, actor=actor)
    _decide(session, review, DISQUALIFIED, reason, actor)
    audit(
        session,
        actor,
        "fraud.disqualify",
        f"fraud_review:{review.id}",
        point_id=review.point_id,
        cases=[c.receipt_no for c in cases],
        reason=reason,
    )
    session.flush()
    return review


def escalate(session: Session, scope: Scope, review_id: int, to: str, note: str, *, actor: str) -> FraudReview:
    """转交核查或撤销: recorded with the note; the item stays pending (and the hold stays) until decided."""
    review, _point = visible(session, scope, review_id)
    if review.state != OPEN:
        raise CountyError(Refusal.CONFLICT, "not_open", "只有待复核的事项才能转交。")
    if to not in ESCALATIONS:
        raise CountyError(Refusal.INVALID, "bad_escalation", "请选择转交现场核查，或建议撤销代办点。")
    note = _note(note, "转交的说明")
    review.state, review.escalated_to, review.escalation_note = ESCALATED, to, note
    review.updated_at = utcnow()
    audit(session, actor, "fraud.escalate", f"fraud_review:{review.id}", point_id=review.point_id, to=to, note=note)
    session.flush()
    return review


# ---- the settlement's hold ------------------------------------------------------------------------------------
def settlement_holds(session: Session, quarter: str, point_ids: list[int]) -> dict[int, list[str]]:
    """A point with a pending review item is held back (settlement.HOLDS)."""
    rows = session.execute(
        select(FraudReview.point_id, FraudReview.state)
        .where(FraudReview.state.in_(PENDING), FraudReview.point_id.in_(point_ids))
        .order_by(FraudReview.point_id, FraudReview.id)
    )
    found: dict[int, list[str]] = {}
    for point_id, state in rows:
        reason = "刷单复核尚未完成" if state == OPEN else "刷单复核已转交核查，尚无结论"
        found.setdefault(point_id, []).append(reason)
    return found
