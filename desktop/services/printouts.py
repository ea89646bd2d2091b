"""What the counter prints (through desktop.printing): receipt, one-time notice, mailing slip, day sheet, guide,
and the hand-over list of a stopped counter."""

from __future__ import annotations

from datetime import date

from desktop.printing.documents import pdf_of
from desktop.printing.papers import paper_by_key
from desktop.services.handover import pickup_slip_data
from desktop.services.print_data import guide_data, mailing_slip_data, notice_data, print_settings, receipt_data
from desktop.services.print_day import day_sheet_data
from desktop.services.print_handover import handover_data
from desktop.services.session import Counter


def _paper(counter: Counter):
    return paper_by_key(counter.settings.get("paper"))


def receipt_pdf(counter: Counter, case_id: str, *, reprint: bool = False) -> bytes:
    """代办收件回执 on the paper chosen in 设置 (marked 补打 when printed again, 培训 in training)."""
    settings = print_settings(counter.store, training=counter.training)
    data = receipt_data(
        counter.store, counter.catalogue, case_id, settings=settings, printed_at=counter.now(), reprint=reprint
    )
    return pdf_of(data, _paper(counter))


def notice_pdf(counter: Counter, case_id: str) -> bytes:
    """一次性告知单: the materials still missing, for the citizen to take home."""
    settings = print_settings(counter.store, training=counter.training)
    return pdf_of(
        notice_data(counter.store, counter.catalogue, case_id, settings=settings, printed_at=counter.now()),
        _paper(counter),
    )


def mailing_slip_pdf(counter: Counter, mailing_id: str) -> bytes:
    """免费寄递交接单, for the postal clerk to sign."""
    settings = print_settings(counter.store, training=counter.training)
    return pdf_of(
        mailing_slip_data(counter.store, counter.catalogue, mailing_id, settings=settings, printed_at=counter.now()),
        _paper(counter),
    )


def day_sheet_pdf(counter: Counter, day: date) -> bytes:
    """日结单 of one business day."""
    settings = print_settings(counter.store, training=counter.training)
    return pdf_of(
        day_sheet_data(counter.store, counter.catalogue, day, settings=settings, printed_at=counter.now()),
        _paper(counter),
    )


def guide_pdf(counter: Counter, item_code: str) -> bytes:
    """办事指南 of one item, for the villager to take home."""
    return pdf_of(
        guide_data(counter.catalogue, item_code, printed_at=counter.now(), training=counter.training), _paper(counter)
    )


def handover_pdf(counter: Counter) -> bytes:
    """交接清单: what this point still holds of its villagers' affairs, for the township (works while locked)."""
    settings = print_settings(counter.store, training=counter.training)
    data = handover_data(
        counter.store, counter.catalogue, reason=counter.locked or "", settings=settings, printed_at=counter.now()
    )
    return pdf_of(data, _paper(counter))


def pickup_slip_pdf(counter: Counter, mailing_id: str) -> bytes:
    """领取单 of a return mailing (部门回寄), for the villager or a family member to sign."""
    settings = print_settings(counter.store, training=counter.training)
    data = pickup_slip_data(counter.store, counter.catalogue, mailing_id, settings=settings, printed_at=counter.now())
    return pdf_of(data, _paper(counter))
