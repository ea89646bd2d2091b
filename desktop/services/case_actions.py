"""What the agent may do to a recorded case: correct, void, complete, and send the materials by free mailing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.services.case_detail import CaseDetail
from desktop.services.session import Counter
from sync.ledger.forms import (
    FormErrors,
    MailingForm,
    draft_amend,
    draft_complete,
    draft_mailing,
    draft_materials_sent,
    draft_void,
)
from sync.ledger.kinds import MailingDirection


def amend(counter: Counter, detail: CaseDetail, changes: Mapping[str, Any], pii_changes: Mapping[str, str]) -> None:
    """Only what differs from the case is sent; an unchanged form is refused with a plain message."""
    draft = draft_amend(
        detail.case_id,
        detail.item,
        counter.catalogue,
        changes=changes,
        pii_changes={key: value for key, value in pii_changes.items() if value},
        applicant_kind=detail.applicant_kind,
    )
    counter.append(draft)


def void(counter: Counter, case_id: str, reason: str) -> None:
    try:
        draft = draft_void(case_id, reason)
    except FormErrors as exc:
        raise FormErrors({"reason": exc.errors.get("reason", str(exc))}) from None
    counter.append(draft)


def complete(counter: Counter, case_id: str) -> None:
    counter.append(draft_complete(case_id))


def send_by_mailing(
    counter: Counter, detail: CaseDetail, *, contents: str, pieces: int | str, unit_code: str | None = None
) -> str:
    """Record the free mailing of the materials to the department and mark them sent: one transaction."""
    form = MailingForm(
        MailingDirection.TO_DEPARTMENT.value,
        unit_code=unit_code or detail.item.guide.unit_codes[0],
        contents=contents,
        pieces=pieces,
        case_ids=[detail.case_id],
    )
    mailing = draft_mailing(form, business_date=counter.today())
    counter.append(mailing, draft_materials_sent(detail.case_id, mailing.body["mailing_id"]))
    return mailing.body["mailing_id"]
