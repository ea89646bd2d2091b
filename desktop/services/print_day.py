"""Read-only query for the day sheet (日结单): one business day's cases, mailings, points and what is not yet synced."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import func, select

from desktop.printing.data import DaySheetData, ItemRow, MailingRow, VoidedRow
from desktop.printing.settings import PrintSettings
from desktop.services.print_data import noon_of, point_info
from desktop.services.summary import month_points
from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.schema import case, day_total, event, mailing, outbox
from sync.ledger.catalogue import Catalogue
from sync.ledger.events import china_now, parse_time
from sync.ledger.kinds import (
    MAILING_DIRECTION_LABELS,
    MAILING_STATE_LABELS,
    RETURNED_DIRECTION,
    SERVICE_MODE_LABELS,
    CaseState,
    EventType,
    MailingDirection,
    MailingState,
    ServiceMode,
)
from sync.ledger.points import MONTHLY_CAP
from sync.ledger.validation import mask_name

EVENT_LABELS = {
    EventType.CASE_RECORDED: "办件登记",
    EventType.CASE_AMENDED: "办件更正",
    EventType.CASE_VOIDED: "办件作废",
    EventType.CASE_COMPLETED: "办件办结",
    EventType.MATERIALS_SENT: "材料送交",
    EventType.CASE_STATUS_CHANGED: "部门状态",
    EventType.MAILING_RECORDED: "寄递登记",
    EventType.MAILING_DISPATCHED: "寄递交寄",
    EventType.MAILING_DELIVERED: "寄递妥投",
    EventType.MAILING_ARRIVED: "部门回寄到点",
    EventType.MAILING_HANDED_OVER: "部门回寄交群众",
    EventType.DAY_CLOSED: "日结",
    EventType.EVIDENCE_ATTACHED: "材料影像",
}
MODE_ORDER = (ServiceMode.POINT, ServiceMode.HOME, ServiceMode.ACTIVITY_DAY)


def day_sheet_data(
    store: LedgerStore,
    catalogue: Catalogue,
    business_date: date,
    *,
    agent_name: str = "",
    settings: PrintSettings | None = None,
    printed_at: datetime | None = None,
) -> DaySheetData:
    """日结单 of ``business_date``: cases recorded that day by item and mode, mailings, voids, points, outbox."""
    settings = settings or PrintSettings()
    day = business_date.isoformat()
    with read(store.engine) as conn:
        cases = (
            conn.execute(select(case).where(case.c.business_date == day).order_by(case.c.first_seq)).mappings().all()
        )
        mailings = (
            conn.execute(
                select(mailing)
                .where(mailing.c.business_date == day, mailing.c.direction != RETURNED_DIRECTION)  # the point's own
                .order_by(mailing.c.recorded_at)
            )
            .mappings()
            .all()
        )
        totals = conn.execute(select(day_total).where(day_total.c.business_date == day)).mappings().first()
        unsynced = conn.execute(
            select(event.c.type, func.count())
            .select_from(outbox.join(event, outbox.c.seq == event.c.seq))
            .where(outbox.c.state.in_(("pending", "sent")))
            .group_by(event.c.type)
        ).all()
        rejected = conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.state == "rejected")
        ).scalar_one()
    names = {item.code: item.name for item in catalogue.items}
    order = {item.code: item.seq for item in catalogue.items}
    live = [row for row in cases if row["state"] != CaseState.VOIDED.value]
    by_item: dict[str, list] = {}
    for row in live:
        by_item.setdefault(row["item_code"], []).append(row)
    item_rows = tuple(
        ItemRow(
            names.get(code, code),
            len(rows),
            sum(1 for r in rows if r["state"] == CaseState.COMPLETED.value),
            sum(r["amount_fen"] or 0 for r in rows),
        )
        for code, rows in sorted(by_item.items(), key=lambda pair: order.get(pair[0], 10**6))
    )
    modes = Counter(row["mode"] for row in live)
    units = {unit.code: unit.name for unit in catalogue.units}
    mailing_rows = tuple(
        MailingRow(
            MAILING_DIRECTION_LABELS[MailingDirection(row["direction"])],
            units.get(row["unit_code"] or "", "")
            if row["direction"] == MailingDirection.TO_DEPARTMENT.value
            else (mask_name(row["recipient_name"]) if row["recipient_name"] else "（已清除）"),
            row["pieces"],
            row["tracking_no"] or "未交寄",
            MAILING_STATE_LABELS[MailingState(row["state"])],
        )
        for row in mailings
    )
    voided = tuple(
        VoidedRow(row["receipt_no"], names.get(row["item_code"], row["item_code"]), row["void_reason"] or "")
        for row in cases
        if row["state"] == CaseState.VOIDED.value
    )
    month = month_points(store, noon_of(business_date))
    type_order = list(EVENT_LABELS)
    unsynced_rows = tuple(
        (EVENT_LABELS[EventType(kind)], count)
        for kind, count in sorted(unsynced, key=lambda pair: type_order.index(EventType(pair[0])))
    )
    return DaySheetData(
        business_date=business_date,
        printed_at=printed_at or china_now(),
        closed_at=parse_time(totals["closed_at"]) if totals and totals["closed_at"] else None,
        point=point_info(store, agent_name),
        by_item=item_rows,
        by_mode=tuple((SERVICE_MODE_LABELS[mode], modes.get(mode.value, 0)) for mode in MODE_ORDER),
        mailings=mailing_rows,
        voided=voided,
        case_count=len(live),
        voided_count=len(voided),
        amount_fen_total=sum(row.amount_fen for row in item_rows),
        points_today=totals["points_estimate"] if totals else 0,
        month_points=month.credited,
        month_cap=MONTHLY_CAP,
        month_label=f"{business_date.year}年{business_date.month}月",
        unsynced=unsynced_rows,
        rejected=rejected,
        training=settings.training,
    )
