"""刷单复核 in the console: the review queue, one item's page (its cases and each rule's explanation) and the
reviewer's decision — clear, disqualify cases, or escalate (county/services/fraud_review.py). Townships review
their own points; the bureau every point; finance/audit read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from county.api.errors import status_of
from county.errors import CountyError
from county.services import fraud_review, fraud_rules
from county.services.staff import BUREAU, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page
from sync.ledger.kinds import CASE_STATE_LABELS

router = APIRouter(prefix="/console/fraud")
Reviewers = Annotated[Viewer, allow(*BUREAU, StaffRole.TOWNSHIP)]
Readers = Annotated[Viewer, allow(*BUREAU, StaffRole.TOWNSHIP, StaffRole.FINANCE)]
Text = Annotated[str, Form(max_length=500)]
Cases = Annotated[list[str], Form(max_length=32)]


@router.get("")
def review_queue(request: Request, who: Readers, show: str = ""):
    pending_only = show != "all"
    with reading(request) as db:
        rows = fraud_review.queue(db, who.scope, pending_only=pending_only)
    return page(
        request,
        "fraud_queue.html",
        who,
        rows=rows,
        pending_only=pending_only,
        labels=fraud_rules.RULE_LABELS,
        states=fraud_review.STATE_LABELS,
    )


@router.get("/{review_id}")
def review_page(request: Request, review_id: int, who: Readers):
    return _item(request, review_id, who)


def _item(request: Request, review_id: int, who: Viewer, error: str = "", status: int = 200, form: dict | None = None):
    with reading(request) as db:
        try:
            review, point = fraud_review.visible(db, who.scope, review_id)
        except CountyError as exc:
            raise ConsoleRefused(status_of(exc), exc.message) from None
        hits = fraud_review.hits_of(db, review.id)
        cases = fraud_review.cases_of(db, hits)
    named = {case_id: [h.rule for h in hits if case_id in h.case_ids] for case_id in {c.case_id for c in cases}}
    return page(
        request,
        "fraud_item.html",
        who,
        review=review,
        point=point,
        hits=[
            {
                "hit": h,
                "label": fraud_rules.RULE_LABELS.get(h.rule, h.rule),
                "text": fraud_rules.explain(h.rule, h.figures),
            }
            for h in hits
        ],
        cases=cases,
        named=named,
        items={c.item_code: fraud_rules.item_name(c.item_code) for c in cases},
        case_states={state.value: label for state, label in CASE_STATE_LABELS.items()},
        labels=fraud_rules.RULE_LABELS,
        states=fraud_review.STATE_LABELS,
        escalations=fraud_review.ESCALATIONS,
        may_decide=who.role in (*BUREAU, StaffRole.TOWNSHIP) and review.state in fraud_review.PENDING,
        may_escalate=who.role in (*BUREAU, StaffRole.TOWNSHIP) and review.state == fraud_review.OPEN,
        error=error,
        form=form or {},
        status=status,
    )


def _decided(request: Request, review_id: int, who: Viewer, action, form: dict):
    try:
        with writing(request, who) as db:
            action(db)
    except CountyError as exc:
        return _item(request, review_id, who, error=exc.message, status=status_of(exc), form=form)
    return RedirectResponse(f"/console/fraud/{review_id}", status_code=303)


@router.post("/{review_id}/clear")
def clear(request: Request, review_id: int, who: Reviewers, note: Text = ""):
    return _decided(
        request,
        review_id,
        who,
        lambda db: fraud_review.clear(db, who.scope, review_id, note, actor=who.actor),
        {"note": note},
    )


@router.post("/{review_id}/disqualify")
def disqualify(request: Request, review_id: int, who: Reviewers, reason: Text = "", case_ids: Cases = ()):  # type: ignore[assignment]
    return _decided(
        request,
        review_id,
        who,
        lambda db: fraud_review.disqualify(db, who.scope, review_id, list(case_ids)[:2000], reason, actor=who.actor),
        {"reason": reason, "case_ids": set(case_ids)},
    )


@router.post("/{review_id}/escalate")
def escalate(request: Request, review_id: int, who: Reviewers, to: Text = "", note: Text = ""):
    return _decided(
        request,
        review_id,
        who,
        lambda db: fraud_review.escalate(db, who.scope, review_id, to, note, actor=who.actor),
        {"to": to, "escalation_note": note},
    )
