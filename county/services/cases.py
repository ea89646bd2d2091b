"""The county's case book: re-checks each pushed event with the shared rules and keeps cases and mailings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import Case, Device, Mailing, Point
from county.services import catalogues
from sync.ledger.catalogue import Catalogue, CatalogueError
from sync.ledger.events import Event
from sync.ledger.forms import FormErrors, check_event
from sync.ledger.kinds import COUNTY_EVENT_TYPES, CaseState, EventType, MailingState
from sync.ledger.lifecycle import LifecycleError, next_state
from sync.ledger.mailings import MailingStateError, next_mailing_state
from sync.ledger.receipts import ReceiptNoError, parse_receipt_no

CASE_EVENTS = {EventType.CASE_AMENDED, EventType.CASE_VOIDED, EventType.CASE_COMPLETED, EventType.MATERIALS_SENT}
MAILING_EVENTS = {EventType.MAILING_DISPATCHED, EventType.MAILING_DELIVERED}


class RejectEvent(Exception):
    """A record-specific refusal: stored in the chain, quarantined on the device with this reason."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code, self.message = code, message


def catalogue_for(session: Session, version: str | None) -> Catalogue:
    try:
        return catalogues.catalogue(session, version)
    except CatalogueError as exc:
        raise RejectEvent("catalogue_version", "这条记录用的事项清单版本县里没有，请更新柜台软件后重新登记。") from exc


class CaseBook:
    """Cases and mailings touched by one batch, read once, written back by flush()."""

    def __init__(self, session: Session, point: Point):
        self.session, self.point = session, point
        self.cases: dict[str, Case] = {}
        self.mailings: dict[str, Mailing] = {}
        self.touched_points = False  # a completion or a void changed what the point earns
        self._catalogues: dict[str | None, Catalogue] = {}

    def _catalogue(self, version: str | None) -> Catalogue:
        """Looked up once per batch and version (None: the newest, used to check later events)."""
        if version not in self._catalogues:
            self._catalogues[version] = catalogue_for(self.session, version)
        return self._catalogues[version]

    def _case(self, case_id: str) -> Case:
        case = self.cases.get(case_id) or self.session.get(Case, case_id)
        if case is None or case.point_id != self.point.id:
            raise RejectEvent("unknown_case", "县里没有这笔办件的登记记录，无法处理这条更新。")
        self.cases[case_id] = case
        return case

    def _mailing(self, mailing_id: str) -> Mailing:
        mailing = self.mailings.get(mailing_id) or self.session.get(Mailing, mailing_id)
        if mailing is None or mailing.point_id != self.point.id:
            raise RejectEvent("unknown_mailing", "县里没有这件寄递的登记记录，无法处理这条更新。")
        self.mailings[mailing_id] = mailing
        return mailing

    def _check(self, event: Event, catalogue: Catalogue, case: Case | None = None) -> None:
        if event.pii is None and event.pii_digests:
            raise RejectEvent("pii_purged", "这条记录的个人信息已按期清除，县里无法核对，请联系县政务服务管理局。")
        item = catalogue.by_code(case.item_code) if case is not None else None
        try:
            body, pii = check_event(event.type, event.body, event.pii or {}, catalogue, item=item,
                                    applicant_kind=case.applicant_kind if case is not None else None)
        except FormErrors as exc:
            raise RejectEvent("invalid", str(exc)) from exc
        if body != dict(event.body) or pii != dict(event.pii or {}):
            raise RejectEvent("not_normalised", "这条记录的格式不规范，请升级柜台软件。")

    def apply(self, event: Event, device: Device) -> None:
        """Check one event against the rules and the county's state; raise RejectEvent to quarantine it."""
        kind = event.type
        if kind in COUNTY_EVENT_TYPES:
            raise RejectEvent("county_only", "部门办理状态只能由县里设置，柜台不能上传。")
        if kind is EventType.CASE_RECORDED:
            self._record(event, device)
        elif kind in CASE_EVENTS:
            case = self._case(str(event.body.get("case_id")))
            self._check(event, self._catalogue(None), case)
            self._move(case, event)
        elif kind is EventType.MAILING_RECORDED:
            self._check(event, self._catalogue(None))
            body = event.body
            if self.mailings.get(body["mailing_id"]) or self.session.get(Mailing, body["mailing_id"]):
                raise RejectEvent("mailing_exists", "这件寄递已经登记过了。")
            self.mailings[body["mailing_id"]] = Mailing(
                mailing_id=body["mailing_id"], point_id=self.point.id, direction=body["direction"],
                state=MailingState.RECORDED, business_date=body["business_date"])
        elif kind in MAILING_EVENTS:
            mailing = self._mailing(str(event.body.get("mailing_id")))
            self._check(event, self._catalogue(None))
            try:
                mailing.state = next_mailing_state(MailingState(mailing.state), kind)
            except MailingStateError as exc:
                raise RejectEvent("lifecycle", str(exc)) from exc
            if kind is EventType.MAILING_DISPATCHED:
                mailing.tracking_no = event.body["tracking_no"]
        else:  # day.closed
            self._check(event, self._catalogue(None))

    def _record(self, event: Event, device: Device) -> None:
        catalogue = self._catalogue(str(event.body.get("catalogue_version")))
        self._check(event, catalogue)
        body = event.body
        if not body.get("receipt_no"):
            raise RejectEvent("receipt_missing", "这笔办件没有回执编号，请升级柜台软件。")
        try:
            receipt = parse_receipt_no(body["receipt_no"])
        except ReceiptNoError as exc:
            raise RejectEvent("receipt_invalid", str(exc)) from exc
        if receipt.point_code != self.point.code or receipt.device_no != device.device_no:
            raise RejectEvent("receipt_foreign", "回执编号不是本代办点这台电脑发出的，已拒收。")
        taken = self.session.scalar(select(Case.case_id).where(Case.point_id == self.point.id,
                                                                 Case.receipt_no == body["receipt_no"]))
        if taken or any(c.receipt_no == body["receipt_no"] for c in self.cases.values()):
            raise RejectEvent("receipt_reused", "这个回执编号已经用过了，已拒收这笔重复的登记。")
        if body["case_id"] in self.cases or self.session.get(Case, body["case_id"]):
            raise RejectEvent("case_exists", "这笔办件已经登记过了。")
        self.cases[body["case_id"]] = Case(
            case_id=body["case_id"], point_id=self.point.id, device_id=device.id, receipt_no=body["receipt_no"],
            item_code=body["item_code"], flow=body["flow"], points=body["points"], mode=body["mode"],
            applicant_kind=body["applicant_kind"], state=CaseState.RECORDED, business_date=body["business_date"],
            recorded_at=event.occurred_at)

    def _move(self, case: Case, event: Event) -> None:
        try:
            state = next_state(case.flow, CaseState(case.state), event.type, event.body)
        except LifecycleError as exc:
            raise RejectEvent("lifecycle", exc.message) from exc
        if state is CaseState.COMPLETED and case.completed_at is None:
            case.completed_at = event.occurred_at
            self.touched_points = True
        if state is CaseState.VOIDED and case.completed_at is not None:
            self.touched_points = True
        if event.type is EventType.CASE_AMENDED and "mode" in (event.body.get("changes") or {}):
            case.mode = event.body["changes"]["mode"]
        case.state = state

    def flush(self) -> None:
        for row in (*self.cases.values(), *self.mailings.values()):
            self.session.add(row)
        self.session.flush()
