"""The free-mailing ledger (免费寄递台账): list, record, hand to the post (tracking number), delivered."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from desktop.services.session import Counter
from desktop.store.engine import read
from desktop.store.schema import case, mailing
from sync.ledger.catalogue import load_units
from sync.ledger.forms import MailingForm, draft_delivered, draft_dispatch, draft_mailing
from sync.ledger.kinds import (
    MAILING_DIRECTION_LABELS,
    MAILING_STATE_LABELS,
    RECEIVER_LABELS,
    RETURNED_DIRECTION,
    RETURNED_DIRECTION_LABEL,
    MailingDirection,
    MailingState,
    Receiver,
)
from sync.ledger.receipts import ReceiptNoError, parse_receipt_no
from sync.ledger.validation import ValidationError, mask_mobile, mask_name

RETURNED_STATE_LABEL = "部门已寄出，待交群众"


def returned_state_label(row) -> str:
    """Where a return mailing stands at the counter; once handed over, the day and who took it (masked)."""
    state = MailingState(row["state"])
    if state is MailingState.DISPATCHED:
        return RETURNED_STATE_LABEL
    if state is MailingState.ARRIVED:
        return "已到代办点，待交群众"
    who = RECEIVER_LABELS[Receiver(row["receiver"])]
    if row["receiver_name"]:
        who += f" {mask_name(row['receiver_name'])}"
    return f"已交群众 {row['handed_date'][5:]}（{who}）"


@dataclass(frozen=True)
class MailingRow:
    mailing_id: str
    business_date: str
    direction: str
    to: str  # the department, or the recipient (masked)
    contents: str
    pieces: int
    cases: int
    state: str
    state_label: str
    tracking_no: str
    incoming: bool = False  # 部门回寄: the agent hands it over; nothing to dispatch or mark delivered here


class MailingQueries:
    """Mailings are a few per day; still counted and paged like the case ledger."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self._units = {code: unit.name for code, unit in load_units().items()}

    def _where(self, state: str | None, day: str | None):
        clauses = []
        if state:
            clauses.append(mailing.c.state == state)
        if day:
            clauses.append(mailing.c.business_date == day)
        return clauses

    def count(self, state: str | None = None, day: str | None = None) -> int:
        with read(self.counter.store.engine) as conn:
            return conn.execute(select(func.count()).select_from(mailing).where(*self._where(state, day))).scalar_one()

    def page(self, offset: int, limit: int, state: str | None = None, day: str | None = None) -> list[MailingRow]:
        with read(self.counter.store.engine) as conn:
            rows = (
                conn.execute(
                    select(mailing)
                    .where(*self._where(state, day))
                    .order_by(mailing.c.business_date.desc(), mailing.c.recorded_at.desc())
                    .limit(limit)
                    .offset(offset)
                )
                .mappings()
                .all()
            )
        return [self._row(row) for row in rows]

    def _row(self, row) -> MailingRow:
        if row["direction"] == RETURNED_DIRECTION:
            return self._returned_row(row)
        if row["direction"] == MailingDirection.TO_DEPARTMENT.value:
            to = self._units.get(row["unit_code"], row["unit_code"] or "")
        else:
            to = " ".join(
                filter(
                    None,
                    [
                        mask_name(row["recipient_name"] or ""),
                        mask_mobile(row["recipient_mobile"]) if row["recipient_mobile"] else "",
                    ],
                )
            )
        return MailingRow(
            row["mailing_id"],
            row["business_date"],
            MAILING_DIRECTION_LABELS[row["direction"]],
            to,
            row["contents"],
            row["pieces"],
            len(json.loads(row["case_ids_json"])),
            row["state"],
            MAILING_STATE_LABELS[MailingState(row["state"])],
            row["tracking_no"] or "",
        )

    def _returned_row(self, row) -> MailingRow:
        """部门回寄: from the department, to be handed to the villager whose case it answers."""
        sender = self._units.get(row["unit_code"] or "", "县级部门")
        handed = row["state"] == MailingState.HANDED_OVER
        return MailingRow(
            row["mailing_id"],
            row["business_date"],
            "部门回寄" if handed else RETURNED_DIRECTION_LABEL,
            f"{sender}寄来，交给群众",
            row["contents"],
            row["pieces"],
            len(json.loads(row["case_ids_json"])),
            row["state"],
            returned_state_label(row),
            row["tracking_no"] or "",
            incoming=True,
        )


def case_ids_for_receipts(counter: Counter, receipts: list[str]) -> list[str]:
    """The cases behind typed or scanned receipt numbers; an unknown or mistyped one is a field error."""
    found = []
    with read(counter.store.engine) as conn:
        for text in receipts:
            try:
                number = str(parse_receipt_no(text))
            except ReceiptNoError as exc:
                raise ValidationError("receipts", f"回执编号 {text.strip()}：{exc}") from None
            case_id = conn.execute(select(case.c.case_id).where(case.c.receipt_no == number)).scalar()
            if case_id is None:
                raise ValidationError("receipts", f"台账里没有回执编号 {number} 的办件，请核对。")
            found.append(case_id)
    return found


def record_mailing(counter: Counter, form: MailingForm) -> str:
    draft = draft_mailing(form, business_date=counter.today())
    counter.append(draft)
    return draft.body["mailing_id"]


def dispatch(counter: Counter, mailing_id: str, tracking_no: str) -> None:
    counter.append(draft_dispatch(mailing_id, tracking_no))


def delivered(counter: Counter, mailing_id: str) -> None:
    counter.append(draft_delivered(mailing_id))
