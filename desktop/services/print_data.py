"""Read-only queries that assemble each document's data from the local ledger and the catalogue, masking as they go."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from desktop.printing.data import (
    Applicant,
    GuideData,
    LinkedCase,
    MailingSlipData,
    MaterialLine,
    NoticeData,
    PointInfo,
    QueryInfo,
    ReceiptData,
)
from desktop.printing.settings import HOTLINE, PrintSettings
from desktop.store import county_feed
from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.schema import case, mailing, meta
from sync.ledger import item_fields
from sync.ledger.catalogue import FLOW_LABELS, Catalogue, Item
from sync.ledger.check_code import check_code, query_url
from sync.ledger.events import CHINA_TZ, china_now, parse_time
from sync.ledger.kinds import (
    CASE_STATE_LABELS,
    MAILING_DIRECTION_LABELS,
    MAILING_STATE_LABELS,
    ApplicantKind,
    CaseState,
    Flow,
    MailingDirection,
    MailingState,
    ServiceMode,
)
from sync.ledger.validation import mask_mobile, mask_name, mask_resident_id
from sync.ledger.workdays import case_due

PURGED = "（已按规定清除）"
MODE_NAMES = {
    ServiceMode.POINT: "代办点帮代办",
    ServiceMode.HOME: "上户帮代办",
    ServiceMode.ACTIVITY_DAY: "活动日帮代办",
}
CHECK_KEY_META = "receipt_check_key"  # hex of the county-issued key, written at enrolment


class PrintDataError(LookupError):
    """The record to print is not in the ledger; ``message`` is written for the agent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


ACCOUNT_NAME_META = "account_name"  # the agent's name as the county enrolled the account


def point_info(store: LedgerStore, agent_name: str = "") -> PointInfo:
    """The point, and the agent: ``agent_name`` if given, else the enrolled account's name (blank if none)."""
    identity = store.identity
    name = agent_name.strip()
    if not name:
        with read(store.engine) as conn:
            name = (conn.execute(select(meta.c.value).where(meta.c.key == ACCOUNT_NAME_META)).scalar() or "").strip()
    return PointInfo(identity.point_name or f"代办点 {identity.point_code}", identity.point_code, name)


def print_settings(store: LedgerStore, *, training: bool = False) -> PrintSettings:
    """Printing settings kept in the ledger's meta table, with the enrolment's check-code key if there is one."""
    with read(store.engine) as conn:
        values = {row.key: row.value for row in conn.execute(select(meta.c.key, meta.c.value))}
    raw_key = values.get(CHECK_KEY_META, "")
    try:
        key = bytes.fromhex(raw_key) if raw_key else None
    except ValueError:
        key = None
    return PrintSettings.from_values(values, check_key=key if key and len(key) >= 16 else None, training=training)


def _case_row(store: LedgerStore, case_id: str) -> Mapping[str, Any]:
    with read(store.engine) as conn:
        row = conn.execute(select(case).where(case.c.case_id == case_id)).mappings().first()
    if row is None:
        raise PrintDataError("台账里没有找到这笔办件，无法打印。请在台账里重新查找后再打印。")
    return row


def material_lines(item: Item, codes: list[str] | None = None) -> tuple[MaterialLine, ...]:
    """The guide's materials (all, or those with the given codes, in the guide's order)."""
    chosen = item.guide.materials if codes is None else [m for m in item.guide.materials if m.code in codes]
    return tuple(MaterialLine(m.name, m.form_label, m.copies, m.required, m.note) for m in chosen)


def _materials(row: Mapping[str, Any], item: Item, status: str) -> tuple[MaterialLine, ...]:
    entries = json.loads(row["materials_json"])
    return material_lines(item, [entry["code"] for entry in entries if entry["status"] == status])


def applicant_of(row: Mapping[str, Any]) -> Applicant:
    """The applicant as paper may show them: a person's name, ID and phone masked; purged values said so."""
    mobile = mask_mobile(row["mobile"]) if row["mobile"] else ""
    if row["applicant_kind"] == ApplicantKind.ORG.value:
        return Applicant("申请单位", row["name"] or PURGED, "信用代码", row["credit_code"] or PURGED, mobile)
    name = mask_name(row["name"]) if row["name"] else PURGED
    return Applicant(
        "申请人", name, "身份证号", mask_resident_id(row["id_number"]) if row["id_number"] else PURGED, mobile
    )


def query_info(settings: PrintSettings, receipt_no: str) -> QueryInfo:
    if settings.check_key is None:
        return QueryInfo(HOTLINE, None, None)
    code = check_code(receipt_no, settings.check_key)
    return QueryInfo(HOTLINE, query_url(settings.query_url_base, receipt_no, code), code)


def unit_names(catalogue: Catalogue, item: Item, details: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The item's handling units; only the chosen one when a field of the case names it (the operator paid)."""
    if details and (chosen := item_fields.chosen_unit(item.fields, details)) is not None:
        units = {unit.code: unit.name for unit in catalogue.units}
        return (units.get(chosen.unit_code or "", chosen.label),)
    return tuple(unit.name for unit in catalogue.units_of(item))


def case_details(row: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The case's item-specific values: the body's details and the personal ones (empty once purged)."""
    return json.loads(row["details_json"] or "{}"), json.loads(row["details_pii_json"] or "{}")


def receipt_data(
    store: LedgerStore,
    catalogue: Catalogue,
    case_id: str,
    *,
    agent_name: str = "",
    settings: PrintSettings | None = None,
    printed_at: datetime | None = None,
    reprint: bool = False,
) -> ReceiptData:
    """代办收件回执 for one case, as the ledger holds it now."""
    settings = settings or PrintSettings()
    row = _case_row(store, case_id)
    item = catalogue.by_code(row["item_code"])
    state = CaseState(row["state"])
    details, personal = case_details(row)
    return ReceiptData(
        receipt_no=row["receipt_no"],
        recorded_at=parse_time(row["recorded_at"]),
        printed_at=printed_at or china_now(),
        point=point_info(store, agent_name),
        item_name=item.name,
        item_category=item.category,
        flow=item.flow.value,
        flow_label=FLOW_LABELS[item.flow],
        mode_label=MODE_NAMES[ServiceMode(row["mode"])],
        applicant=applicant_of(row),
        village=row["village"] or "",
        received=_materials(row, item, "received"),
        missing=_materials(row, item, "missing"),
        amount_fen=row["amount_fen"],
        units=unit_names(catalogue, item, details),
        time_limit_text=item.guide.time_limit_text,
        state_label=CASE_STATE_LABELS[state],
        state=state.value,
        county_note=row["county_note"] or "",
        details=tuple(item_fields.lines(item.fields, details, personal)),
        voided=state is CaseState.VOIDED,
        void_reason=row["void_reason"] or "",
        query=query_info(settings, row["receipt_no"]),
        reprint=reprint,
        training=settings.training,
        due_text=_due_text(store, item, row, state),
    )


def _due_text(store: LedgerStore, item: Item, row: Mapping[str, Any], state: CaseState) -> str:
    """An online item's expected completion day, by the working-day table in force (approval items' time runs
    from the department's acceptance, which the receipt's 办理时限 already says)."""
    if item.flow is Flow.APPROVAL or not item.guide.time_limit_days:
        return ""
    with read(store.engine) as conn:
        table = county_feed.workday_table(conn)
    return case_due(item, item.flow, state, date.fromisoformat(row["business_date"]), None, table)


def notice_data(
    store: LedgerStore,
    catalogue: Catalogue,
    case_id: str,
    *,
    agent_name: str = "",
    settings: PrintSettings | None = None,
    printed_at: datetime | None = None,
) -> NoticeData:
    """一次性告知单: the materials recorded as missing for one case."""
    settings = settings or PrintSettings()
    row = _case_row(store, case_id)
    item = catalogue.by_code(row["item_code"])
    return NoticeData(
        receipt_no=row["receipt_no"],
        recorded_at=parse_time(row["recorded_at"]),
        printed_at=printed_at or china_now(),
        point=point_info(store, agent_name),
        item_name=item.name,
        applicant=applicant_of(row),
        missing=_materials(row, item, "missing"),
        units=unit_names(catalogue, item),
        query=query_info(settings, row["receipt_no"]),
        sample=item.guide.sample,
        training=settings.training,
    )


def guide_data(
    catalogue: Catalogue, item_code: str, *, printed_at: datetime | None = None, training: bool = False
) -> GuideData:
    """办事指南 of one item, straight from the catalogue."""
    item = catalogue.by_code(item_code)
    guide = item.guide
    return GuideData(
        item_name=item.name,
        category=item.category,
        flow_label=FLOW_LABELS[item.flow],
        units=unit_names(catalogue, item),
        materials=material_lines(item),
        steps=guide.steps,
        time_limit_text=guide.time_limit_text,
        fee_text=guide.fee_text,
        query_text=guide.query_text,
        sample=guide.sample,
        note=guide.note,
        catalogue_version=catalogue.version,
        printed_at=printed_at or china_now(),
        training=training,
    )


def shorten_address(address: str, keep: int = 6) -> str:
    """The start of a citizen's address (township and village), the rest left to the waybill."""
    address = address.strip()
    return address if len(address) <= keep else address[:keep] + "……（详见运单）"


def mailing_slip_data(
    store: LedgerStore,
    catalogue: Catalogue,
    mailing_id: str,
    *,
    agent_name: str = "",
    settings: PrintSettings | None = None,
    printed_at: datetime | None = None,
) -> MailingSlipData:
    """寄递交接单 for one free mailing, with the receipt numbers of the cases it carries."""
    settings = settings or PrintSettings()
    with read(store.engine) as conn:
        row = conn.execute(select(mailing).where(mailing.c.mailing_id == mailing_id)).mappings().first()
        if row is None:
            raise PrintDataError("台账里没有找到这件寄递，无法打印交接单。请在寄递台账里重新查找后再打印。")
        case_ids = json.loads(row["case_ids_json"])
        cases = conn.execute(select(case).where(case.c.case_id.in_(case_ids))).mappings().all()
    by_id = {found["case_id"]: found for found in cases}
    linked = tuple(
        LinkedCase(
            by_id[cid]["receipt_no"], _item_name(catalogue, by_id[cid]["item_code"]), applicant_of(by_id[cid]).name
        )
        for cid in case_ids
        if cid in by_id
    )
    direction = MailingDirection(row["direction"])
    if direction is MailingDirection.TO_DEPARTMENT:
        units = {unit.code: unit.name for unit in catalogue.units}
        name = units.get(row["unit_code"], row["unit_code"] or "")
        mobile, address = "", row["recipient_address"] or ""
    else:
        name = mask_name(row["recipient_name"]) if row["recipient_name"] else PURGED
        mobile = mask_mobile(row["recipient_mobile"]) if row["recipient_mobile"] else ""
        address = shorten_address(row["recipient_address"]) if row["recipient_address"] else PURGED
    return MailingSlipData(
        recorded_date=date.fromisoformat(row["business_date"]),
        printed_at=printed_at or china_now(),
        point=point_info(store, agent_name),
        direction_label=MAILING_DIRECTION_LABELS[direction],
        recipient_name=name,
        recipient_mobile=mobile,
        recipient_address=address,
        contents=row["contents"],
        pieces=row["pieces"],
        cases=linked,
        tracking_no=row["tracking_no"],
        dispatched_at=parse_time(row["dispatched_at"]) if row["dispatched_at"] else None,
        state_label=MAILING_STATE_LABELS[MailingState(row["state"])],
        training=settings.training,
    )


def _item_name(catalogue: Catalogue, code: str) -> str:
    found = next((item for item in catalogue.items if item.code == code), None)
    return found.name if found else code


def noon_of(day: date) -> datetime:
    return datetime.combine(day, time(12), CHINA_TZ)
