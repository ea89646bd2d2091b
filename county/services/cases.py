"""The county's case book: re-checks each pushed event with the shared rules and keeps cases and mailings.

One batch reads every case, mailing and receipt number it touches in one query each (``load``), works on
plain rows in memory, and writes them back with one multi-row statement per table (``flush``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Table, any_, bindparam, select
from sqlalchemy.orm import Session

from county.models import Case, Device, EvidenceImage, Mailing, Point, ReturnMailing, Township
from county.services import bulk, catalogues, consultations
from county.services.crediting import Credit, MonthClock
from county.services.points import completion_month
from county.services.precheck import NOT_CHECKED, RejectEvent, check_content
from sync.ledger.catalogue import Catalogue, CatalogueError
from sync.ledger.events import Event
from sync.ledger.kinds import COUNTY_EVENT_TYPES, CaseState, EventType, Flow, MailingState
from sync.ledger.lifecycle import LifecycleError, next_state
from sync.ledger.mailings import RETURN_EVENTS, MailingStateError, next_mailing_state, next_return_state
from sync.ledger.receipts import ReceiptNoError, parse_receipt_no

CASE_EVENTS = {EventType.CASE_AMENDED, EventType.CASE_VOIDED, EventType.CASE_COMPLETED, EventType.MATERIALS_SENT}
EVIDENCE = EventType.EVIDENCE_ATTACHED
MAILING_EVENTS = {EventType.MAILING_DISPATCHED, EventType.MAILING_DELIVERED}
CASE_TABLE: Table = Case.__table__  # type: ignore[assignment]
MAILING_TABLE: Table = Mailing.__table__  # type: ignore[assignment]
EVIDENCE_TABLE: Table = EvidenceImage.__table__  # type: ignore[assignment]
RETURN_TABLE: Table = ReturnMailing.__table__  # type: ignore[assignment]
_RETURN_CHANGES = ("arrived_at", "handed_at", "handed_date", "receiver", "handed_event_id", "signed")
_RETURN_COLUMNS = ("mailing_id", "case_id", "point_id", *_RETURN_CHANGES)
_CASE_COLUMNS = (
    "case_id",
    "point_id",
    "item_code",
    "flow",
    "applicant_kind",
    "state",
    "mode",
    "recorded_at",
    "completed_at",
    "completed_month",
    "credited_at",
    "credit_month",
    "credit_flag",
    "not_offered",
    "self_completed",
)
_CASE_CHANGES = (
    "state",
    "mode",
    "completed_at",
    "completed_month",
    "credited_at",
    "credit_month",
    "credit_flag",
    "self_completed",
)
_MAILING_COLUMNS = ("mailing_id", "point_id", "state", "tracking_no")


def catalogue_for(session: Session, version: str | None) -> Catalogue:
    try:
        return catalogues.catalogue(session, version)
    except CatalogueError as exc:
        raise RejectEvent("catalogue_version", "这条记录用的事项清单版本县里没有，请更新柜台软件后重新登记。") from exc


@dataclass
class Row:
    """A case or mailing as one batch sees it: its columns, whether it is new, whether it changed."""

    values: dict[str, Any]
    new: bool = False
    changed: set[str] = field(default_factory=set)

    def set(self, column: str, value: Any) -> None:
        if self.values.get(column) != value:
            self.values[column] = value
            self.changed.add(column)


def _ids(values: Iterable[object]) -> list[str]:
    return sorted({value for value in values if isinstance(value, str)})


def among(session: Session, column: ColumnElement, values: list[str]) -> ColumnElement[bool]:
    """``column IN values``; one array parameter on PostgreSQL (a short statement the driver parses once)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


class CaseBook:
    """Cases and mailings touched by one batch, read once by load(), written back by flush()."""

    def __init__(self, session: Session, point: Point, clock: MonthClock):
        self.session, self.point, self.clock = session, point, clock
        self.cases: dict[str, Row] = {}
        self.mailings: dict[str, Row] = {}
        self.returns: dict[str, Row] = {}  # 部门回寄 the counter reports arrived or handed over
        self.returned_cases: set[str] = set()  # the cases of those, stamped for the data exchange
        self.receipts: set[str] = set()  # the point's receipt numbers among those the batch uses
        self.touched_months: set[str] = set()  # months whose points a completion or a void changed
        self.flagged: list[tuple[int, str, Credit]] = []  # (seq, case_id, credit) of completions not in their month
        self.completed: list[str] = []  # the cases this batch completed
        self._catalogues: dict[str | None, Catalogue] = {}
        self._township: str | None = None
        self.evidence: list[dict[str, Any]] = []  # material images the batch attached (evidence_image rows)
        self.consult_phones: dict[str, str] = {}  # precheck.Sealed.consult_phones

    def load(self, events: Iterable[Event]) -> None:
        """Read every case, mailing and receipt number these events name: one query per table."""
        case_ids, mailing_ids, receipts, return_ids = [], [], [], []
        for event in events:
            body = event.body
            if event.type is EventType.CASE_RECORDED or event.type in CASE_EVENTS or event.type is EVIDENCE:
                case_ids.append(body.get("case_id"))
                if event.type is EventType.CASE_RECORDED:
                    receipts.append(body.get("receipt_no"))
            elif event.type is EventType.MAILING_RECORDED or event.type in MAILING_EVENTS:
                mailing_ids.append(body.get("mailing_id"))
            elif event.type in RETURN_EVENTS:
                return_ids.append(body.get("mailing_id"))
        if ids := _ids(return_ids):
            columns = [RETURN_TABLE.c[name] for name in _RETURN_COLUMNS]
            for found in self.session.execute(
                select(*columns).where(among(self.session, RETURN_TABLE.c.mailing_id, ids))
            ).mappings():
                self.returns[found["mailing_id"]] = Row(dict(found))
        if ids := _ids(case_ids):
            columns = [CASE_TABLE.c[name] for name in _CASE_COLUMNS]
            for found in self.session.execute(
                select(*columns).where(among(self.session, CASE_TABLE.c.case_id, ids))
            ).mappings():
                self.cases[found["case_id"]] = Row(dict(found))
        if ids := _ids(mailing_ids):
            columns = [MAILING_TABLE.c[name] for name in _MAILING_COLUMNS]
            for found in self.session.execute(
                select(*columns).where(among(self.session, MAILING_TABLE.c.mailing_id, ids))
            ).mappings():
                self.mailings[found["mailing_id"]] = Row(dict(found))
        if numbers := _ids(receipts):
            self.receipts.update(
                self.session.scalars(
                    select(CASE_TABLE.c.receipt_no).where(
                        CASE_TABLE.c.point_id == self.point.id, among(self.session, CASE_TABLE.c.receipt_no, numbers)
                    )
                )
            )

    def _catalogue(self, version: str | None) -> Catalogue:
        """Looked up once per batch and version (None: the newest, used to check later events)."""
        if version not in self._catalogues:
            self._catalogues[version] = catalogue_for(self.session, version)
        return self._catalogues[version]

    def _case(self, case_id: str) -> Row:
        case = self.cases.get(case_id)
        if case is None or case.values["point_id"] != self.point.id:
            raise RejectEvent("unknown_case", "县里没有这笔办件的登记记录，无法处理这条更新。")
        return case

    def _mailing(self, mailing_id: str) -> Row:
        mailing = self.mailings.get(mailing_id)
        if mailing is None or mailing.values["point_id"] != self.point.id:
            raise RejectEvent("unknown_mailing", "县里没有这件寄递的登记记录，无法处理这条更新。")
        return mailing

    def _check(self, event: Event, catalogue: Catalogue, check: object, case: Row | None = None) -> None:
        """The content check: done before the transaction (``check``) unless it needed the case's item."""
        if check is NOT_CHECKED:
            values = case.values if case is not None else None
            check_content(
                event,
                catalogue,
                item=catalogue.by_code(values["item_code"]) if values else None,
                applicant_kind=values["applicant_kind"] if values else None,
            )
        elif check is not None:
            raise check  # type: ignore[misc]

    def apply(self, event: Event, device: Device, check: object = NOT_CHECKED) -> None:
        """Check one event against the rules and the county's state; raise RejectEvent to quarantine it."""
        kind = event.type
        if kind in COUNTY_EVENT_TYPES:
            raise RejectEvent("county_only", "部门办理状态只能由县里设置，柜台不能上传。")
        if kind is EventType.CASE_RECORDED:
            self._record(event, device, check)
        elif kind in CASE_EVENTS:
            case = self._case(str(event.body.get("case_id")))
            self._check(event, self._catalogue(None), check, case)
            self._move(case, event, device)
        elif kind is EVIDENCE:
            self._attach(event, device, check)
        elif kind is EventType.MAILING_RECORDED:
            self._check(event, self._catalogue(None), check)
            body = event.body
            if body["mailing_id"] in self.mailings:
                raise RejectEvent("mailing_exists", "这件寄递已经登记过了。")
            self.mailings[body["mailing_id"]] = Row(
                dict(
                    mailing_id=body["mailing_id"],
                    point_id=self.point.id,
                    direction=body["direction"],
                    state=MailingState.RECORDED.value,
                    tracking_no=None,
                    business_date=body["business_date"],
                ),
                new=True,
            )
        elif kind in MAILING_EVENTS:
            mailing = self._mailing(str(event.body.get("mailing_id")))
            self._check(event, self._catalogue(None), check)
            try:
                mailing.set("state", next_mailing_state(MailingState(mailing.values["state"]), kind).value)
            except MailingStateError as exc:
                raise RejectEvent("lifecycle", str(exc)) from exc
            if kind is EventType.MAILING_DISPATCHED:
                mailing.set("tracking_no", event.body["tracking_no"])
        elif kind is EventType.CONSULT_ASKED:  # 代办点转来的咨询
            self._check(event, self._catalogue(None), check)
            try:  # refused before anything is written
                consultations.relay(self.session, event, device, self.consult_phones.get(event.event_id))
            except consultations.RelayRefused as refused:
                raise RejectEvent(refused.code, refused.message) from refused
        elif kind in RETURN_EVENTS:
            self._check(event, self._catalogue(None), check)
            self._hand_over(event)
        else:  # day.closed
            self._check(event, self._catalogue(None), check)

    def _hand_over(self, event: Event) -> None:
        """部门回寄 at the point: 已到代办点, then 已交群众 once (a second hand-over is refused as lifecycle)."""
        found = self.returns.get(str(event.body.get("mailing_id")))
        if found is None or found.values["point_id"] != self.point.id:
            raise RejectEvent("unknown_mailing", "县里没有这件部门回寄的记录，无法登记到达或交付。")
        values = found.values
        state = (
            MailingState.HANDED_OVER
            if values["handed_at"]
            else MailingState.ARRIVED
            if values["arrived_at"]
            else MailingState.DISPATCHED
        )
        try:
            next_return_state(state, event.type)
        except MailingStateError as exc:
            raise RejectEvent("lifecycle", str(exc)) from exc
        self.returned_cases.add(values["case_id"])  # the data exchange delivers the case again, with the step
        if event.type is EventType.MAILING_ARRIVED:
            found.set("arrived_at", event.occurred_at)
            return
        body = event.body
        for column, value in (
            ("handed_at", event.occurred_at),
            ("handed_date", body["handed_date"]),
            ("receiver", body["receiver"]),
            ("handed_event_id", event.event_id),
            ("signed", bool(body["signed"])),
        ):
            found.set(column, value)

    def _record(self, event: Event, device: Device, check: object) -> None:
        catalogue = self._catalogue(str(event.body.get("catalogue_version")))
        self._check(event, catalogue, check)
        body = event.body
        if not body.get("receipt_no"):
            raise RejectEvent("receipt_missing", "这笔办件没有回执编号，请升级柜台软件。")
        try:
            receipt = parse_receipt_no(body["receipt_no"])
        except ReceiptNoError as exc:
            raise RejectEvent("receipt_invalid", str(exc)) from exc
        if receipt.point_code != self.point.code or receipt.device_no != device.device_no:
            raise RejectEvent("receipt_foreign", "回执编号不是本代办点这台电脑发出的，已拒收。")
        if body["receipt_no"] in self.receipts:
            raise RejectEvent("receipt_reused", "这个回执编号已经用过了，已拒收这笔重复的登记。")
        if body["case_id"] in self.cases:
            raise RejectEvent("case_exists", "这笔办件已经登记过了。")
        self.receipts.add(body["receipt_no"])
        not_offered = not catalogue.by_code(body["item_code"]).offered_in(self._township_name())
        self.cases[body["case_id"]] = Row(
            dict(
                case_id=body["case_id"],
                point_id=self.point.id,
                device_id=device.id,
                receipt_no=body["receipt_no"],
                item_code=body["item_code"],
                flow=body["flow"],
                points=body["points"],
                mode=body["mode"],
                applicant_kind=body["applicant_kind"],
                state=CaseState.RECORDED.value,
                business_date=body["business_date"],
                recorded_at=event.occurred_at,
                completed_at=None,
                completed_month=None,
                credited_at=None,
                credit_month=None,
                credit_flag=None,
                not_offered=not_offered,
                form_seconds=body.get("form_seconds"),  # None from counters that do not measure it
                self_completed=None,
            ),
            new=True,
        )

    def _attach(self, event: Event, device: Device, check: object) -> None:
        """A material image: its case must be this point's; the image itself follows (county/api/evidence.py)."""
        case = self._case(str(event.body.get("case_id")))
        self._check(event, self._catalogue(None), check, case)
        if case.values["state"] == CaseState.VOIDED.value:
            raise RejectEvent("lifecycle", "这笔办件已作废，不能再添加材料影像。")
        body = event.body
        self.evidence.append(
            dict(
                event_id=event.event_id,
                device_id=device.id,
                point_id=self.point.id,
                case_id=body["case_id"],
                material=body["material"],
                sha256=body["sha256"],
                size=body["size"],
                media_type=body["media_type"],
                attached_at=event.occurred_at,
                received=0,
                stored_at=None,
                purged_at=None,
            )
        )

    def _township_name(self) -> str:
        """The point's township, read once per batch: a case of an item its catalogue version does not offer
        there is kept and flagged for the bureau (the villager was served, the receipt printed), not refused."""
        if self._township is None:
            self._township = (
                self.session.scalar(select(Township.name).where(Township.id == self.point.township_id)) or ""
            )
        return self._township

    def _move(self, case: Row, event: Event, device: Device) -> None:
        values = case.values
        try:
            state = next_state(values["flow"], CaseState(values["state"]), event.type, event.body)
        except LifecycleError as exc:
            raise RejectEvent("lifecycle", exc.message) from exc
        if state is CaseState.COMPLETED and values["completed_at"] is None:
            self._complete(case, event, device)
        if state is CaseState.VOIDED and values["credit_month"] is not None:
            self.touched_months.add(values["credit_month"])
        if event.type is EventType.CASE_AMENDED and "mode" in (event.body.get("changes") or {}):
            case.set("mode", event.body["changes"]["mode"])
        case.set("state", state.value)

    def _complete(self, case: Row, event: Event, device: Device) -> None:
        """The first completion: the county's clock decides the month it earns in, or that it earns nothing."""
        credit = self.clock.credit(
            event.occurred_at, recorded_at=case.values["recorded_at"], enrolled_at=device.enrolled_at
        )
        try:
            case.set("completed_month", completion_month(event.occurred_at))
        except ValueError:
            case.set("completed_month", None)
        case.set("completed_at", event.occurred_at)
        # the fraud review's evidence rule: an online case completed with no department status ever reported
        case.set("self_completed", case.values["flow"] == Flow.ONLINE.value and case.values["state"] == "recorded")
        for column, value in (
            ("credited_at", credit.credited_at),
            ("credit_month", credit.month),
            ("credit_flag", credit.flag),
        ):
            case.set(column, value)
        if credit.month is not None:
            self.touched_months.add(credit.month)
        self.completed.append(case.values["case_id"])
        if credit.flag is not None:
            self.flagged.append((event.seq, case.values["case_id"], credit))

    def flush(self) -> None:
        """New rows in one bulk insert per table, changed rows in one bulk update per table (county.services.bulk)."""
        _write(self.session, CASE_TABLE, "case_id", self.cases.values(), _CASE_CHANGES)
        _write(self.session, MAILING_TABLE, "mailing_id", self.mailings.values(), ("state", "tracking_no"))
        bulk.insert_rows(self.session, EVIDENCE_TABLE, self.evidence)
        _write(self.session, RETURN_TABLE, "mailing_id", self.returns.values(), _RETURN_CHANGES)


def _write(session: Session, table: Table, key: str, rows: Iterable[Row], columns: tuple[str, ...]) -> None:
    rows = list(rows)
    bulk.insert_rows(session, table, [row.values for row in rows if row.new])
    bulk.update_rows(
        session,
        table,
        key,
        [{key: row.values[key], **{c: row.values[c] for c in columns}} for row in rows if row.changed and not row.new],
    )
