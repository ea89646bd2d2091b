"""The case ledger (帮代办台账) as queries: filters, search, counting and fetching one page at a time."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, literal_column, or_, select

from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.schema import case, event, outbox
from sync.ledger.catalogue import Catalogue
from sync.ledger.kinds import (
    CASE_STATE_LABELS,
    OUTBOX_STATE_LABELS,
    SERVICE_MODE_LABELS,
    CaseState,
    OutboxState,
    ServiceMode,
)
from sync.ledger.receipts import ReceiptNoError, parse_receipt_no
from sync.ledger.validation import (
    ValidationError,
    mask_mobile,
    mask_resident_id,
    normalize_mobile,
    normalize_resident_id,
)

SYNC_LABELS = {"pending": OUTBOX_STATE_LABELS[OutboxState.PENDING], "synced": OUTBOX_STATE_LABELS[OutboxState.ACKED]}
_ROWID = literal_column("case_view.rowid")
# Newest first, in the order the cases were recorded (the projection is written in event order, and a
# rebuild or VACUUM keeps that order). Every single-column index ends in the rowid, so each filter's own
# index already yields its rows in this order: no sort, no table lookups until the page is read.
_ORDER = (_ROWID.desc(),)
_UNACKED = (
    select(event.c.subject_id).join(outbox, outbox.c.seq == event.c.seq).where(outbox.c.state != OutboxState.ACKED)
)


@dataclass(frozen=True)
class CaseFilter:
    """What the ledger screen is narrowed to; every field optional."""

    date_from: date | None = None
    date_to: date | None = None
    item_code: str | None = None
    state: str | None = None
    mode: str | None = None
    sync: str | None = None  # "pending" | "synced"
    search: str = ""


@dataclass(frozen=True)
class CaseRow:
    """One line of the ledger table: identifiers masked, as on paper."""

    case_id: str
    receipt_no: str
    business_date: str
    item_name: str
    applicant: str
    id_masked: str
    mobile_masked: str
    mode: str
    state: str
    state_label: str
    amount_fen: int | None
    synced: bool


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"{fen // 100}.{fen % 100:02d}"


def search_clause(text: str):
    """What a typed or scanned search means: receipt number, full ID or phone, last four digits, or a name."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        return None
    compact = re.sub(r"[\s\-]", "", raw)
    if re.fullmatch(r"[0-9]{14,16}", compact):
        try:
            return case.c.receipt_no == str(parse_receipt_no(compact))
        except ReceiptNoError:
            pass
    if re.fullmatch(r"[0-9]{17}[0-9xX]", compact):
        try:
            number = normalize_resident_id(compact)
            return and_(case.c.id_last4 == number[-4:], case.c.id_number == number)
        except ValidationError:
            return case.c.credit_code == compact.upper()
    if re.fullmatch(r"[0-9A-Za-z]{18}", compact):
        return case.c.credit_code == compact.upper()
    if re.fullmatch(r"(\+?86)?1[0-9]{10}", compact):
        try:
            number = normalize_mobile(compact)
            return and_(case.c.mobile_last4 == number[-4:], case.c.mobile == number)
        except ValidationError:
            pass
    if re.fullmatch(r"[0-9]{3}[0-9xX]", compact):
        return or_(case.c.id_last4 == compact.upper(), case.c.mobile_last4 == compact)
    # A name, or its beginning: a range on the name index instead of LIKE, so it stays fast.
    return and_(case.c.name >= raw, case.c.name < raw + "\U0010ffff")


def where(flt: CaseFilter) -> list:
    clauses = []
    if flt.date_from:
        clauses.append(case.c.business_date >= flt.date_from.isoformat())
    if flt.date_to:
        clauses.append(case.c.business_date <= flt.date_to.isoformat())
    if flt.item_code:
        clauses.append(case.c.item_code == flt.item_code)
    if flt.state:
        clauses.append(case.c.state == flt.state)
    if flt.mode:
        clauses.append(case.c.mode == flt.mode)
    if flt.sync == "pending":
        clauses.append(case.c.case_id.in_(_UNACKED))
    elif flt.sync == "synced":
        clauses.append(case.c.case_id.not_in(_UNACKED))
    if (found := search_clause(flt.search)) is not None:
        clauses.append(found)
    return clauses


class CaseQueries:
    """Counting and paging over case_view; a page is at most a few hundred rows, never the whole ledger."""

    def __init__(self, store: LedgerStore, catalogue: Catalogue) -> None:
        self.store, self.catalogue = store, catalogue
        self._names = {item.code: item.name for item in catalogue.items}

    def count(self, flt: CaseFilter) -> int:
        with read(self.store.engine) as conn:
            return conn.execute(select(func.count()).select_from(case).where(*where(flt))).scalar_one()

    def page(self, flt: CaseFilter, offset: int, limit: int, *, total: int | None = None) -> list[CaseRow]:
        """Rows ``offset`` … ``offset + limit`` (newest first). Given the ``total``, a page in the older half is
        counted from the oldest end, so a jump to the end of a long ledger skips few rows, not 200,000."""
        ids = select(_ROWID).select_from(case).where(*where(flt))
        if total is not None and offset > total // 2:
            back = max(0, total - offset - limit)
            ids = ids.order_by(_ROWID.asc()).limit(min(limit, total - offset)).offset(back)
        else:
            ids = ids.order_by(*_ORDER).limit(limit).offset(offset)
        columns = (
            case.c.case_id,
            case.c.receipt_no,
            case.c.business_date,
            case.c.item_code,
            case.c.name,
            case.c.id_number,
            case.c.credit_code,
            case.c.mobile,
            case.c.mode,
            case.c.state,
            case.c.amount_fen,
        )
        with read(self.store.engine) as conn:
            rows = conn.execute(select(*columns).where(_ROWID.in_(ids)).order_by(*_ORDER)).all()
            unacked = (
                set(conn.execute(_UNACKED.where(event.c.subject_id.in_([row.case_id for row in rows]))).scalars())
                if rows
                else set()
            )
        return [self._row(row, row.case_id not in unacked) for row in rows]

    def _row(self, row, synced: bool) -> CaseRow:
        identifier = mask_resident_id(row.id_number) if row.id_number else (row.credit_code or "")
        return CaseRow(
            case_id=row.case_id,
            receipt_no=row.receipt_no,
            business_date=row.business_date,
            item_name=self._names.get(row.item_code, row.item_code),
            applicant=row.name or "（已清除）",
            id_masked=identifier,
            mobile_masked=mask_mobile(row.mobile) if row.mobile else "",
            mode=SERVICE_MODE_LABELS[ServiceMode(row.mode)],
            state=row.state,
            state_label=CASE_STATE_LABELS[CaseState(row.state)],
            amount_fen=row.amount_fen,
            synced=synced,
        )
