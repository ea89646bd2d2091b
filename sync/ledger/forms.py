"""Event bodies checked the same way at the counter (drafts from what the agent typed) and at the county.

The county trusts nothing a device pushes: ``check_event`` refuses unknown keys, wrong types (a float
or a bool is never an integer), overlong or unshowable text and anything the catalogue contradicts,
and reports every problem at once in a ``FormErrors`` keyed by field. It returns normalised copies; a
draft made here is a fixed point (checking its body again returns the same body), so the county can
also refuse a pushed body that differs from its normalised form (the hash chain covers what was sent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sync.ledger.catalogue import Catalogue, Item
from sync.ledger.events import EventDraft
from sync.ledger.evidence import check_evidence
from sync.ledger.forms_base import (
    FormErrors,
    Problems,
    check_business_date,
    check_choice,
    check_id,
    check_int,
    check_optional_id,
    take,
)
from sync.ledger.forms_case import (
    CONSENT_MESSAGE,
    CaseForm,
    check_case_amended,
    check_case_recorded,
    draft_amend,
    draft_case,
)
from sync.ledger.forms_consult import check_consult_asked, draft_consult
from sync.ledger.forms_handover import check_mailing_arrived, check_mailing_handed_over
from sync.ledger.forms_mailing import (
    MailingForm,
    check_mailing_delivered,
    check_mailing_dispatched,
    check_mailing_recorded,
    draft_delivered,
    draft_dispatch,
    draft_mailing,
    normalize_tracking_no,
    s10_check_digit,
)
from sync.ledger.kinds import CaseState, EventType
from sync.ledger.lifecycle import COUNTY_STATUSES
from sync.ledger.validation import clean_text

__all__ = [
    "CONSENT_MESSAGE",
    "CaseForm",
    "FormErrors",
    "MailingForm",
    "check_event",
    "draft_amend",
    "draft_case",
    "draft_complete",
    "draft_consult",
    "draft_delivered",
    "draft_dispatch",
    "draft_evidence",
    "draft_mailing",
    "draft_materials_sent",
    "draft_void",
    "normalize_tracking_no",
    "s10_check_digit",
]

DAY_COUNTS = (
    "case_count",
    "voided_count",
    "mailing_count",
    "amount_fen_total",
    "points_estimate",
    "unsynced_before_close",
)
_DAY_LABELS = ("办件数", "作废数", "寄递数", "金额合计（分）", "预计积分", "日结前未同步数")
_MAX_COUNT = 2**31 - 1
_MAX_TOTAL_FEN = 2**53 - 1  # exact in every JSON reader
_STATUS_LABELS = "受理、审批中、办结或退回"


def _case_id(fields: Mapping[str, Any], problems: Problems) -> str | None:
    return problems.check("case_id", check_id, fields.get("case_id"), field="case_id", label="办件编号")


def _only_case_id(body: object, problems: Problems) -> dict:
    return {"case_id": _case_id(take(body, ("case_id",), problems, where="body", label="办件内容"), problems)}


def _voided(body: object, problems: Problems) -> dict:
    fields = take(body, ("case_id", "reason"), problems, where="body", label="作废内容")
    return {
        "case_id": _case_id(fields, problems),
        "reason": problems.check(
            "reason", clean_text, fields.get("reason"), field="reason", label="作废原因", max_len=200, required=True
        ),
    }


def _materials_sent(body: object, problems: Problems) -> dict:
    fields = take(body, ("case_id", "mailing_id"), problems, where="body", label="送交内容")
    return {
        "case_id": _case_id(fields, problems),
        "mailing_id": problems.check(
            "mailing_id", check_optional_id, fields.get("mailing_id"), field="mailing_id", label="寄递编号"
        ),
    }


def _status_changed(body: object, problems: Problems) -> dict:
    fields = take(body, ("case_id", "status", "note"), problems, where="body", label="办理状态")
    status = problems.check(
        "status",
        check_choice,
        fields.get("status"),
        CaseState,
        field="status",
        empty=f"请选择办理状态（{_STATUS_LABELS}）。",
        bad=f"办理状态只能是{_STATUS_LABELS}。",
    )
    if status is not None and status not in COUNTY_STATUSES:
        problems.add("status", f"办理状态只能是{_STATUS_LABELS}。")
    note = problems.check(
        "note", clean_text, fields.get("note"), field="note", label="办理说明", max_len=500, multiline=True
    )
    if status == CaseState.RETURNED.value and note == "":
        problems.add("note", "退回办件必须写明退回原因，好让群众知道要补什么、改什么。")
    return {"case_id": _case_id(fields, problems), "status": status, "note": note}


def _day_closed(body: object, problems: Problems) -> dict:
    fields = take(body, ("business_date", *DAY_COUNTS), problems, where="body", label="日结内容")
    out: dict[str, Any] = {
        "business_date": problems.check("business_date", check_business_date, fields.get("business_date")),
    }
    for key, label in zip(DAY_COUNTS, _DAY_LABELS, strict=True):
        high = _MAX_TOTAL_FEN if key == "amount_fen_total" else _MAX_COUNT
        out[key] = problems.check(key, check_int, fields.get(key), field=key, label=label, low=0, high=high)
    return out


def _county_only(body: object, problems: Problems) -> dict:
    problems.add("type", "部门回寄只能由县里的部门记录，代办点不能上传这类记录。")
    return {}


_BODY_ONLY: dict[EventType, Callable[[object, Problems], dict]] = {
    EventType.CASE_VOIDED: _voided,
    EventType.CASE_COMPLETED: _only_case_id,
    EventType.MATERIALS_SENT: _materials_sent,
    EventType.CASE_STATUS_CHANGED: _status_changed,
    EventType.MAILING_DISPATCHED: check_mailing_dispatched,
    EventType.MAILING_DELIVERED: check_mailing_delivered,
    EventType.MAILING_ARRIVED: check_mailing_arrived,
    EventType.DAY_CLOSED: _day_closed,
    EventType.MAILING_RETURNED: _county_only,  # arrives from the county feed, never in a push
}


def check_event(
    event_type: EventType,
    body: Mapping[str, Any],
    pii: Mapping[str, Any],
    catalogue: Catalogue,
    *,
    item: Item | None = None,
    applicant_kind: str | None = None,
) -> tuple[dict, dict]:
    """Validate and normalise one event's body and personal fields; raises FormErrors listing every problem.

    ``item`` (the case's item) is required for case.amended and checks evidence.attached's material; ``applicant_kind`` (the case's) makes an
    amended name follow the person or the org rules. ``receipt_no`` may be None here; the county
    requires it separately for pushed events.
    """
    event_type = EventType(event_type)
    problems = Problems()
    if event_type is EventType.CASE_RECORDED:
        new_body, new_pii = check_case_recorded(body, pii, catalogue, problems)
    elif event_type is EventType.CASE_AMENDED:
        new_body, new_pii = check_case_amended(body, pii, item, problems, applicant_kind=applicant_kind)
    elif event_type is EventType.MAILING_RECORDED:
        new_body, new_pii = check_mailing_recorded(body, pii, problems)
    elif event_type is EventType.EVIDENCE_ATTACHED:
        new_body, new_pii = check_evidence(body, problems, item), {}
        take(pii, (), problems, where="pii", label="个人信息")
    elif event_type is EventType.CONSULT_ASKED:
        new_body, new_pii = check_consult_asked(body, pii, catalogue, problems)
    elif event_type is EventType.MAILING_HANDED_OVER:
        new_body, new_pii = check_mailing_handed_over(body, pii, problems)
    else:
        new_body, new_pii = _BODY_ONLY[event_type](body, problems), {}
        take(pii, (), problems, where="pii", label="个人信息")  # these events carry no personal fields
    problems.raise_if_any()
    return new_body, new_pii


def _draft(event_type: EventType, body: dict) -> EventDraft:
    problems = Problems()
    checked = _BODY_ONLY[event_type](body, problems)
    problems.raise_if_any()
    return EventDraft(event_type, checked)


def draft_void(case_id: str, reason: str) -> EventDraft:
    return _draft(EventType.CASE_VOIDED, {"case_id": case_id, "reason": reason})


def draft_complete(case_id: str) -> EventDraft:
    return _draft(EventType.CASE_COMPLETED, {"case_id": case_id})


def draft_materials_sent(case_id: str, mailing_id: str | None = None) -> EventDraft:
    return _draft(EventType.MATERIALS_SENT, {"case_id": case_id, "mailing_id": mailing_id})


def draft_evidence(case_id: str, material: str, sha256: str, size: int, media_type: str, item: Item) -> EventDraft:
    """A material image (材料影像) attached to a case; the image's bytes are stored beside the ledger."""
    problems = Problems()
    body = {"case_id": case_id, "material": material, "sha256": sha256, "size": size, "media_type": media_type}
    checked = check_evidence(body, problems, item)
    problems.raise_if_any()
    return EventDraft(EventType.EVIDENCE_ATTACHED, checked)
