"""What console pages read, always through the viewer's scope: desk counts, point health, case search, a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, case, func, literal, select, tuple_
from sqlalchemy.orm import Session

from county.models import (
    Case,
    CountyEvent,
    Device,
    FraudReview,
    LedgerEvent,
    Point,
    ReturnMailing,
    SyncBatch,
    TamperFlag,
    Township,
)
from county.services import fraud_review, return_mailings
from county.services.common import aware, utcnow
from county.services.pii import PiiBox, event_pii
from county.services.scope import Scope
from sync.ledger.kinds import CaseState
from sync.ledger.validation import mask_mobile, mask_name, mask_resident_id

STALE_AFTER = timedelta(days=3)  # a point whose devices have not synced for this long is shown as stale
OPEN_STATES = (CaseState.MATERIALS_SENT, CaseState.MATERIALS_RECEIVED, CaseState.ACCEPTED, CaseState.IN_REVIEW)
PAGE_SIZE = 50
COUNT_CAP = 10_000  # the case list counts this far and says "more than" beyond it
EVENT_LABELS = {
    "case.recorded": "登记办件",
    "case.amended": "更正办件",
    "case.voided": "作废办件",
    "case.completed": "代办员办结",
    "materials.sent": "材料已送交部门",
    "evidence.attached": "添加材料影像",
}
FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "credit_code": "统一社会信用代码",
    "mobile": "手机号",
    "village": "村组住址",
}


@dataclass(frozen=True)
class PointHealth:
    point: Point
    township: str
    devices: int
    last_sync_at: object  # the newest batch the county took in from any of the point's devices
    last_batch_events: int
    skew_seconds: int | None  # the largest clock skew among its devices at their last batch
    clock_wrong: bool
    tamper_flags: int  # unresolved

    @property
    def stale(self) -> bool:
        return self.last_sync_at is None or utcnow() - aware(self.last_sync_at) > STALE_AFTER


def point_health(db: Session, scope: Scope, *, code: str | None = None) -> list[PointHealth]:
    query = (
        select(Point, Township.name)
        .join(Township, Township.id == Point.township_id)
        .where(scope.point_filter())
        .order_by(Point.code)
    )
    if code is not None:
        query = query.where(Point.code == code)
    rows = db.execute(query).all()
    ids = [point.id for point, _ in rows]
    if not ids:
        return []
    devices = {
        pid: (n, skew, wrong)
        for pid, n, skew, wrong in db.execute(
            select(
                Device.point_id,
                func.count(),
                func.max(func.abs(Device.clock_skew_seconds)),
                func.max(case((Device.clock_wrong, 1), else_=0)),
            )
            .where(Device.point_id.in_(ids))
            .group_by(Device.point_id)
        )
    }
    newest = (
        select(SyncBatch.point_id, func.max(SyncBatch.id).label("id"))
        .where(SyncBatch.point_id.in_(ids))
        .group_by(SyncBatch.point_id)
        .subquery()
    )
    batches = {
        pid: (at, n)
        for pid, at, n in db.execute(
            select(SyncBatch.point_id, SyncBatch.received_at, SyncBatch.event_count).join(
                newest, newest.c.id == SyncBatch.id
            )
        )
    }
    flags = dict(
        db.execute(
            select(TamperFlag.point_id, func.count())
            .where(TamperFlag.point_id.in_(ids), TamperFlag.resolved_at.is_(None))
            .group_by(TamperFlag.point_id)
        ).all()
    )
    out = []
    for point, township in rows:
        n, skew, wrong = devices.get(point.id, (0, None, 0))
        at, events = batches.get(point.id, (None, 0))
        out.append(PointHealth(point, township, n, at, events, skew, bool(wrong), flags.get(point.id, 0)))
    return out


def desk_counts(db: Session, scope: Scope) -> dict[str, int]:
    cases = select(func.count()).select_from(Case).where(scope.case_filter())
    counts = {
        "open_cases": db.scalar(cases.where(Case.state.in_([s.value for s in OPEN_STATES]))) or 0,
        "returned": db.scalar(cases.where(Case.state == CaseState.RETURNED)) or 0,
        "completed": db.scalar(cases.where(Case.state == CaseState.COMPLETED)) or 0,
    }
    if scope.point_filter() is not None:
        points = select(func.count()).select_from(Point).where(scope.point_filter())
        counts["points"] = db.scalar(points) or 0
        counts["tampered"] = (
            db.scalar(
                select(func.count(func.distinct(TamperFlag.point_id)))
                .join(Point, Point.id == TamperFlag.point_id)
                .where(scope.point_filter(), TamperFlag.resolved_at.is_(None))
            )
            or 0
        )
        counts["fraud_reviews"] = (  # 刷单复核: pending review items of the viewer's points
            db.scalar(
                select(func.count())
                .select_from(FraudReview)
                .join(Point, Point.id == FraudReview.point_id)
                .where(scope.point_filter(), FraudReview.state.in_(fraud_review.PENDING))
            )
            or 0
        )
    return counts


@dataclass(frozen=True)
class CaseQuery:
    """What a case search asks for (办件查询), every part optional; the viewer's scope always applies on top."""

    receipt: str = ""
    state: str = ""
    point: str = ""
    item: str = ""
    mode: str = ""
    date_from: str = ""  # business date (登记日期), YYYY-MM-DD, inclusive
    date_to: str = ""

    def as_params(self) -> dict[str, str]:
        """The search as the form's query parameters (the dates are called since and until there)."""
        names = {"date_from": "since", "date_to": "until"}
        return {names.get(key, key): value for key, value in vars(self).items() if value}


def case_filters(scope: Scope, query: CaseQuery, db: Session | None = None) -> list[ColumnElement[bool]]:
    """The scope and the search as conditions on the case table alone (a point code becomes its point's id), so
    the count needs no join; dates are compared as the ISO strings they are. With ``db``, a township's points
    are read first and named (``Scope.case_filter_named``)."""
    found = [scope.case_filter() if db is None else scope.case_filter_named(db)]
    receipt = query.receipt.strip().replace("%", "").replace("_", "")
    if receipt:
        found.append(Case.receipt_no.like(receipt + "%"))
        if len(receipt) >= 4 and receipt[:4].isdigit():  # a receipt number starts with its point's code
            found.append(Case.point_id.in_(select(Point.id).where(Point.code == receipt[:4])))
    if query.state:
        found.append(Case.state == query.state)
    if query.point.strip():
        found.append(Case.point_id.in_(select(Point.id).where(Point.code == query.point.strip())))
    if query.item.strip():
        found.append(Case.item_code == query.item.strip().upper())
    if query.mode:
        found.append(Case.mode == query.mode)
    if query.date_from:
        found.append(Case.business_date >= query.date_from)
    if query.date_to:
        found.append(Case.business_date <= query.date_to)
    return found


def case_query(scope: Scope, query: CaseQuery, db: Session | None = None) -> Select:
    """The scoped search as a query of (Case, point code), newest first."""
    return (
        select(Case, Point.code)
        .join(Point, Point.id == Case.point_id)
        .where(*case_filters(scope, query, db))
        .order_by(Case.business_date.desc(), Case.receipt_no.desc())
    )


@dataclass(frozen=True)
class CasePage:
    """One page of the case list: its rows, the capped count, and where the pages either side begin."""

    rows: list[tuple[Case, str]]
    total: int  # counted up to COUNT_CAP + 1: more than COUNT_CAP reads as "more than"
    newer: str | None  # the ``before`` key of the page of newer cases, if there is one
    older: str | None  # the ``after`` key of the page of older cases, if there is one


def page_key(case: Case) -> str:
    """A case's place in the list (newest first): its business date and receipt number, which is unique in the
    county (a receipt number starts with its point's code and is unique at the point)."""
    return f"{case.business_date}.{case.receipt_no}"


def parse_key(text: str) -> tuple[str, str] | None:
    """``page_key`` read back, or None when it is not one (a hand-edited address shows the first page)."""
    day, _, receipt = text.partition(".")
    if len(day) != 10 or not receipt or len(receipt) > 24 or not receipt.replace("-", "").isdigit():
        return None
    try:
        return date.fromisoformat(day).isoformat(), receipt
    except ValueError:
        return None


def search_cases(db: Session, scope: Scope, query: CaseQuery, *, after: str = "", before: str = "") -> CasePage:
    """One page of the case list, newest first, by keyset: ``after`` a key the page of older cases, ``before`` a
    key the page of newer ones (neither: the newest). A page is found through the index of the list's order
    from its key, so a deep page costs what the first does, and a case recorded while someone pages on neither
    shifts nor repeats the rows of their next page. How many match is counted up to COUNT_CAP only (a count of
    a million rows would cost more than the page)."""
    filters = case_filters(scope, query, db)
    found = select(Case, Point.code).join(Point, Point.id == Case.point_id).where(*filters)
    found = found.order_by(Case.business_date.desc(), Case.receipt_no.desc())
    # counts a constant, not a column: SQLite then reads the filter's index alone, no case row (PostgreSQL does so anyway)
    matching = select(literal(1)).select_from(Case).where(*filters).limit(COUNT_CAP + 1).subquery()
    total = db.scalar(select(func.count()).select_from(matching)) or 0
    order = tuple_(Case.business_date, Case.receipt_no)
    newer_key, older_key = parse_key(before), parse_key(after)
    if newer_key is not None:  # walk up from the key, oldest first, and show them newest first
        rows = db.execute(
            found.where(order > tuple_(*newer_key))
            .order_by(None)
            .order_by(Case.business_date, Case.receipt_no)
            .limit(PAGE_SIZE + 1)
        ).all()
        more_newer, more_older = len(rows) > PAGE_SIZE, True
        rows = rows[:PAGE_SIZE][::-1]
        if not more_newer:  # fewer than a page above the key: that is the first page, shown whole
            newer_key = None
    if newer_key is None:
        if older_key is not None:
            found = found.where(order < tuple_(*older_key))
        rows = db.execute(found.limit(PAGE_SIZE + 1)).all()
        more_newer, more_older = older_key is not None, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    if not rows:  # a key past either end (the cases around it went): nothing either side but the first page
        return CasePage([], total, None, None)
    return CasePage(
        [(case, code) for case, code in rows],
        total,
        page_key(rows[0][0]) if more_newer else None,
        page_key(rows[-1][0]) if more_older else None,
    )


def case_rows(db: Session, case: Case) -> list[LedgerEvent]:
    """The counter's events of a case, in chain order (a page reads them once for its history and applicant)."""
    return list(
        db.scalars(
            select(LedgerEvent)
            .where(LedgerEvent.case_id == case.case_id, LedgerEvent.device_id == case.device_id)  # indexed
            .order_by(LedgerEvent.seq)
        )
    )


def case_events(db: Session, case: Case, rows: list[LedgerEvent] | None = None) -> list[tuple[str, str, str, str]]:
    """(when, who, what, note): the counter's events of the case and the county's statuses, in time order."""
    history = [
        (e.occurred_at, "代办点", EVENT_LABELS.get(e.type, e.type), e.reject_message or "")
        for e in (case_rows(db, case) if rows is None else rows)
    ]
    statuses = db.scalars(
        select(CountyEvent)
        .where(  # the case's own feed items, by their index (not every item of its point)
            CountyEvent.case_id == case.case_id,
            CountyEvent.kind.in_(("case_status", "return_mailing")),
        )
        .order_by(CountyEvent.id)
    )
    history += [
        (s.payload.get("changed_at", ""), "县级部门", s.payload.get("label", ""), s.payload.get("note", ""))
        if s.kind == "case_status"
        else (
            s.payload.get("mailed_at", ""),
            "县级部门",
            "部门回寄",
            f"{s.payload.get('contents', '')}，运单号 {s.payload.get('tracking_no', '')}",
        )
        for s in statuses
    ]
    for mailing in db.scalars(select(ReturnMailing).where(ReturnMailing.case_id == case.case_id)):
        history += return_mailings.counter_history(mailing)
    return sorted(history, key=lambda row: row[0])


def applicant(
    db: Session, box: PiiBox, case: Case, *, masked: bool, rows: list[LedgerEvent] | None = None
) -> dict[str, str]:
    """The applicant's personal fields as last recorded (登记 or 更正), masked unless ``masked`` is False."""
    rows = [row for row in (case_rows(db, case) if rows is None else rows) if row.pii_sealed is not None or row.pii]
    pii = event_pii(box, rows[-1]) if rows else None
    return {FIELD_LABELS.get(k, k): _mask(k, v) if masked else v for k, v in (pii or {}).items() if v}


def _mask(field: str, value: str) -> str:
    if field == "name":
        return mask_name(value)
    if field in ("id_number", "credit_code"):
        return mask_resident_id(value)
    if field in ("mobile", "phone"):
        return mask_mobile(value)
    return value[:2] + "*" * max(0, len(value) - 2)
