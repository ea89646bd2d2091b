"""Handing a return mailing (部门回寄) over at the counter: 已到代办点, 已交群众, and its slip (领取单)."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select

from desktop.printing.data import PickupSlipData
from desktop.printing.settings import PrintSettings
from desktop.services.print_data import PURGED, PrintDataError, _item_name, applicant_of, point_info
from desktop.services.session import Counter
from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.projections import ProjectionError
from desktop.store.schema import case, mailing
from sync.ledger.catalogue import Catalogue
from sync.ledger.events import CHINA_TZ, china_now, parse_time
from sync.ledger.forms_base import FormErrors
from sync.ledger.forms_handover import HandoverForm, draft_arrived, draft_handed_over
from sync.ledger.kinds import RECEIVER_LABELS, RETURNED_DIRECTION, Receiver
from sync.ledger.mailings import MailingStateError
from sync.ledger.validation import mask_name

__all__ = ["HandoverForm", "arrived", "hand_over", "pickup_slip_data"]


def _append(counter: Counter, draft) -> None:
    """One transaction; a step the mailing cannot take (a second hand-over) is refused with nothing written."""
    try:
        counter.append(draft)
    except MailingStateError as exc:
        raise FormErrors({"mailing": str(exc)}) from None
    except ProjectionError:
        raise FormErrors({"mailing": "台账里没有找到这件部门回寄，请刷新寄递台账后再试。"}) from None


def arrived(counter: Counter, mailing_id: str) -> None:
    """已到代办点: the agent has the department's mailing in hand."""
    _append(counter, draft_arrived(mailing_id))


def hand_over(counter: Counter, mailing_id: str, form: HandoverForm) -> None:
    """已交群众, dated by the counter's clock; the lifecycle refuses a second hand-over when it is folded."""
    _append(counter, draft_handed_over(mailing_id, form, handed_date=counter.today()))


def pickup_slip_data(
    store: LedgerStore,
    catalogue: Catalogue,
    mailing_id: str,
    *,
    agent_name: str = "",
    settings: PrintSettings | None = None,
    printed_at: datetime | None = None,
) -> PickupSlipData:
    """领取单 of one return mailing: blank date and receiver to fill in by hand until it is handed over."""
    settings = settings or PrintSettings()
    with read(store.engine) as conn:
        row = conn.execute(select(mailing).where(mailing.c.mailing_id == mailing_id)).mappings().first()
        if row is None or row["direction"] != RETURNED_DIRECTION:
            raise PrintDataError("台账里没有找到这件部门回寄，无法打印领取单。请在寄递台账里重新查找后再打印。")
        (case_id,) = json.loads(row["case_ids_json"])
        found = conn.execute(select(case).where(case.c.case_id == case_id)).mappings().first()
    handed = row["handed_date"]
    receiver = Receiver(row["receiver"]) if row["receiver"] else None
    units = {unit.code: unit.name for unit in catalogue.units}
    return PickupSlipData(
        printed_at=printed_at or china_now(),
        point=point_info(store, agent_name),
        receipt_no=found["receipt_no"] if found else "",
        item_name=_item_name(catalogue, found["item_code"]) if found else "",
        applicant_name=applicant_of(found).name if found else PURGED,
        sender=units.get(row["unit_code"] or "", "县级部门"),
        contents=row["contents"],
        tracking_no=row["tracking_no"] or "",
        mailed_date=parse_time(row["dispatched_at"]).astimezone(CHINA_TZ).date(),
        handed_date=date.fromisoformat(handed) if handed else None,
        receiver_label=RECEIVER_LABELS[receiver] if receiver else "",
        receiver_name=mask_name(row["receiver_name"]) if row["receiver_name"] else "",
        training=settings.training,
    )
