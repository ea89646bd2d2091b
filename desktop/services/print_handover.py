"""Read-only query for the hand-over list (交接清单): what a stopped point still holds of its villagers' affairs.

Papers at the point: cases recorded and not yet sent, and cases the department returned (退回). Papers in transit:
cases whose materials were sent and not yet signed for. Mailings: every one not yet delivered, of either direction,
and the department's return mailings (部门回寄) not yet handed to the villager. Names masked as on every paper.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import func, select

from desktop.printing.data import HandoverCase, HandoverData, MailingRow
from desktop.printing.settings import PrintSettings
from desktop.services.print_data import point_info
from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.schema import case, mailing, outbox
from sync.ledger.catalogue import Catalogue
from sync.ledger.events import china_now
from sync.ledger.kinds import (
    CASE_STATE_LABELS,
    MAILING_DIRECTION_LABELS,
    MAILING_STATE_LABELS,
    RETURNED_DIRECTION,
    RETURNED_DIRECTION_LABEL,
    CaseState,
    MailingDirection,
    MailingState,
)
from sync.ledger.validation import mask_name

HELD = (CaseState.RECORDED.value, CaseState.RETURNED.value)
SENT = (CaseState.MATERIALS_SENT.value,)
PURGED = "（已清除）"


def _case(row, catalogue: Catalogue) -> HandoverCase:
    item = next((i for i in catalogue.items if i.code == row["item_code"]), None)
    names = {m.code: m.name for m in item.guide.materials} if item else {}
    entries = json.loads(row["materials_json"] or "[]")
    held = tuple(names.get(e["code"], e["code"]) for e in entries if e.get("status") == "received")
    applicant = row["name"] if row["applicant_kind"] == "org" else (mask_name(row["name"]) if row["name"] else "")
    return HandoverCase(
        receipt_no=row["receipt_no"],
        item_name=item.name if item else row["item_code"],
        applicant=applicant or PURGED,
        business_date=date.fromisoformat(row["business_date"]),
        state_label=CASE_STATE_LABELS[CaseState(row["state"])],
        materials=held,
    )


def _mailing(row, units: dict[str, str]) -> MailingRow:
    if row["direction"] == RETURNED_DIRECTION:
        label = RETURNED_DIRECTION_LABEL
    else:
        label = MAILING_DIRECTION_LABELS[MailingDirection(row["direction"])]
    if row["direction"] == RETURNED_DIRECTION:
        recipient = f"{units.get(row['unit_code'] or '', '县级部门')}寄来，待交群众"
    elif row["direction"] == MailingDirection.TO_DEPARTMENT.value:
        recipient = units.get(row["unit_code"] or "", row["unit_code"] or "")
    else:
        recipient = mask_name(row["recipient_name"]) if row["recipient_name"] else PURGED
    return MailingRow(
        label,
        recipient,
        row["pieces"],
        row["tracking_no"] or "未交寄",
        MAILING_STATE_LABELS[MailingState(row["state"])],
    )


def handover_data(
    store: LedgerStore,
    catalogue: Catalogue,
    *,
    reason: str = "",
    agent_name: str = "",
    settings: PrintSettings | None = None,
    printed_at: datetime | None = None,
) -> HandoverData:
    settings = settings or PrintSettings()
    with read(store.engine) as conn:
        cases = (
            conn.execute(
                select(case).where(case.c.state.in_(HELD + SENT)).order_by(case.c.business_date, case.c.receipt_no)
            )
            .mappings()
            .all()
        )
        mailings = (
            conn.execute(
                select(mailing)
                .where(mailing.c.state.not_in((MailingState.DELIVERED.value, MailingState.HANDED_OVER.value)))
                .order_by(mailing.c.business_date, mailing.c.recorded_at)
            )
            .mappings()
            .all()
        )
        unsynced = conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.state.in_(("pending", "sent")))
        ).scalar_one()
    units = {unit.code: unit.name for unit in catalogue.units}
    return HandoverData(
        printed_at=printed_at or china_now(),
        point=point_info(store, agent_name),
        reason=reason,
        held=tuple(_case(row, catalogue) for row in cases if row["state"] in HELD),
        sent=tuple(_case(row, catalogue) for row in cases if row["state"] in SENT),
        mailings=tuple(_mailing(row, units) for row in mailings),
        unsynced=unsynced,
        training=settings.training,
    )
