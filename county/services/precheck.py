"""The part of a push that needs no database: rebuild the batch's chain and check each event's content.

Done before the batch's transaction opens (``prepare``), so that endpoint processes check batches side by
side while another holds the write lock; the transaction then only adds what depends on the county's state
(cases, mailings, receipt numbers, lifecycle). Nothing is decided here that the county's state could change:
an event whose check needs that state (a correction needs its case's item) is left NOT_CHECKED.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from county.errors import CountyError, Refusal
from county.services.pii import PiiBox
from sync.ledger.catalogue import Catalogue, Item, bundled_versions, load_catalogue
from sync.ledger.chain import SealedParts
from sync.ledger.events import Event, parse_time
from sync.ledger.forms import FormErrors, check_event
from sync.ledger.kinds import COUNTY_EVENT_TYPES, EventType
from sync.ledger.points import month_of
from sync.wire import PushRequest, wire_to_sealed

NOT_CHECKED = object()  # the content check waits for the county's state, inside the transaction


class RejectEvent(Exception):
    """A record-specific refusal: stored in the chain, quarantined on the device with this reason."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code, self.message = code, message


def check_content(
    event: Event, catalogue: Catalogue, *, item: Item | None = None, applicant_kind: str | None = None
) -> None:
    """The shared rules on one event's body and personal fields; raises RejectEvent."""
    if event.pii is None and event.pii_digests:
        raise RejectEvent("pii_purged", "这条记录的个人信息已按期清除，县里无法核对，请联系县政务服务管理局。")
    try:
        body, pii = check_event(
            event.type, event.body, event.pii or {}, catalogue, item=item, applicant_kind=applicant_kind
        )
    except FormErrors as exc:
        raise RejectEvent("invalid", str(exc)) from exc
    if body != event.body or pii != (event.pii or {}):
        raise RejectEvent("not_normalised", "这条记录的格式不规范，请升级柜台软件。")


@dataclass
class Sealed:
    """A push request with its chain rebuilt: events in order (up to an unreadable one) and their checks."""

    request: PushRequest
    events: list[Event]
    checks: list[object]  # per event: None (passed), a RejectEvent, or NOT_CHECKED
    rows: list[dict[str, Any]]  # per event: its ledger row as far as it depends on the event alone (ledger_row)
    unreadable: CountyError | None = None  # raised when the push reaches event len(events)
    too_large: bool = False  # more events than the endpoint takes: nothing was done
    # 代办点转来的咨询: the phone a relayed question left, sealed for its consultation (event id → sealed)
    consult_phones: dict[str, str] = field(default_factory=dict)

    @property
    def head_hash(self) -> str:
        return self.events[-1].hash if self.events else self.request.prev_hash


def _precheck(event: Event, bundled: tuple[str, ...]) -> object:
    if event.type in (EventType.CASE_AMENDED, EventType.EVIDENCE_ATTACHED) or event.type in COUNTY_EVENT_TYPES:
        return NOT_CHECKED  # both need the case's item
    version = event.body.get("catalogue_version") if event.type is EventType.CASE_RECORDED else bundled[-1]
    if version not in bundled:  # a version the bureau published later: read from the database
        return NOT_CHECKED
    try:
        check_content(event, load_catalogue(version))  # only case.recorded reads the catalogue
    except RejectEvent as reject:
        return reject
    return None


def ledger_row(parts: SealedParts, box: PiiBox) -> dict[str, Any]:
    """The ledger columns that depend on the event alone, JSON columns as text (ingest.STORED_AS_TEXT): the
    body and digests exactly as hashed, the personal fields sealed here, outside the batch's transaction."""
    event = parts.event
    try:
        month = month_of(parse_time(event.occurred_at))
    except ValueError:
        month = "0000-00"
    return dict(
        device_id=event.device_id,
        seq=event.seq,
        event_id=event.event_id,
        type=str(event.type),
        occurred_at=event.occurred_at,
        month=month,
        body=parts.body_json.decode("utf-8"),
        **box.columns(event.pii, event.event_id),
        pii_salt=event.pii_salt,
        pii_digests=parts.digests_json.decode("utf-8"),
        hash=event.hash,
        case_id=_case_of(event.body),
    )


def _case_of(body: Any) -> str | None:
    """The case a case event names (its ``case_id``), for the data exchange's per-case reads."""
    case_id = body.get("case_id") if isinstance(body, Mapping) else None
    return case_id if isinstance(case_id, str) and len(case_id) <= 32 else None


def prepare(request: PushRequest, *, max_events: int, box: PiiBox, pause: Callable[[], None] | None = None) -> Sealed:
    """Seal every event from the request's own device id and previous hash, check what needs no state, and
    encrypt the personal fields (``box``).

    ``pause``, if given, is called before each event (the endpoint passes its write gate's writer_first)."""
    if len(request.events) > max_events:
        return Sealed(request, [], [], [], too_large=True)
    events, checks, rows, prev, bundled = [], [], [], request.prev_hash, bundled_versions()
    phones: dict[str, str] = {}
    for offset, wire in enumerate(request.events):
        seq = request.from_seq + offset
        if pause is not None:
            pause()
        try:
            parts = wire_to_sealed(wire, device_id=request.device_id, seq=seq, prev_hash=prev)
        except (ValueError, TypeError):  # undecodable content: the chain cannot be rebuilt
            return Sealed(
                request,
                events,
                checks,
                rows,
                CountyError(Refusal.UNPROCESSABLE, "unreadable_event", f"第 {seq} 条记录内容无法识别，已整批退回。"),
            )
        event = parts.event
        events.append(event)
        checks.append(_precheck(event, bundled))
        rows.append(ledger_row(parts, box))
        if event.type is EventType.CONSULT_ASKED and checks[-1] is None and event.pii and event.pii.get("phone"):
            phones[event.event_id] = box.seal({"mobile": event.pii["phone"]}, f"consult-{event.body['consult_id']}")
        prev = event.hash
    return Sealed(request, events, checks, rows, consult_phones=phones)
