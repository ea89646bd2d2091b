"""Recording a case (新登记): the form's draft (plus 办结 for payments) saved as one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.services.clock_check import check_clock
from desktop.services.session import Counter
from sync.ledger.catalogue import Item
from sync.ledger.forms import CaseForm, FormErrors, draft_case, draft_complete
from sync.ledger.kinds import Flow


@dataclass(frozen=True)
class SavedCase:
    case_id: str
    receipt_no: str
    item: Item
    completed: bool
    missing: tuple[str, ...]  # names of missing materials: the one-time notice (一次性告知) to hand over
    clock_note: str = ""  # the PC clock looks wrong (services/clock_check.py): shown beside the receipt number


def notice_for(item: Item, materials: dict[str, str]) -> tuple[str, ...]:
    """The one-time notice: the guide's materials marked missing, in the guide's order."""
    return tuple(m.name for m in item.guide.materials if materials.get(m.code) == "missing")


def can_complete_at_once(item: Item) -> bool:
    """Only payments (and 助农取现) are done on the spot and may be saved and completed together."""
    return item.flow is Flow.PAYMENT


def save_case(counter: Counter, form: CaseForm, *, complete: bool = False) -> SavedCase:
    """Check the form and save it; raises FormErrors (field → message) with nothing written."""
    catalogue = counter.catalogue
    clock_note = check_clock(counter) or ""
    try:
        draft = draft_case(form, catalogue, business_date=counter.today())
    except FormErrors as exc:
        if "business_date" in exc.errors and clock_note:  # the date comes from the PC clock: say so plainly
            raise FormErrors({**exc.errors, "business_date": clock_note}) from exc
        raise
    item = catalogue.by_code(draft.body["item_code"])
    drafts = [draft]
    if complete:
        if not can_complete_at_once(item):
            raise FormErrors({"item_code": f"“{item.name}”不能当场办结，请只按“保存”。"})
        drafts.append(draft_complete(draft.body["case_id"]))
    recorded, *_ = counter.append(*drafts)
    return SavedCase(
        draft.body["case_id"],
        recorded.body["receipt_no"],
        item,
        complete,
        notice_for(item, dict(form.materials)),
        clock_note,
    )
