"""Wire messages of the sync protocol (docs/sync-protocol.md): what counters and the county exchange."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sync.ledger.chain import SealedParts, sealed_parts
from sync.ledger.events import Event
from sync.ledger.kinds import EventType

PROTOCOL_VERSION = 1
APP_VERSION_HEADER = "Suishenban-App-Version"  # names the counter's version on pull and status (no body to carry it)
Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
_HEX32 = re.compile(r"[0-9a-f]{32}")
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, StringConstraints(max_length=200)]
AppVersion = Annotated[str, StringConstraints(max_length=40, pattern=r"^[\x20-\x7e]*$")]  # printable ASCII
Seq = Annotated[int, Field(ge=0, le=2**53)]


class Message(BaseModel):
    """Strict: unknown fields are errors, no type coercion, frozen once parsed."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ---- enrolment (激活) ----


class EnrolRequest(Message):
    activation_code: Annotated[str, StringConstraints(min_length=4, max_length=40)]
    device_label: ShortText = ""
    app_version: AppVersion
    device_time: Annotated[str, StringConstraints(max_length=40)]
    signing_key: Hex64 | None = None  # Ed25519 public key: verifies the device's offline sync files


class Limits(Message):
    max_batch_events: int
    max_body_bytes: int  # compressed request body
    max_uncompressed_bytes: int
    max_pull_items: int


class PointInfo(Message):
    code: str
    name: str
    township: str


class EnrolResult(Message):
    device_id: Hex32
    device_token: str  # shown once; the county keeps only its hash
    device_no: int
    point: PointInfo
    account_name: str
    catalogue_version: str
    server_time: str
    limits: Limits
    receipt_check_key: Hex64 | None = None  # the point's key for receipt check codes (sync/ledger/check_code.py)
    query_url_base: str | None = None  # the county's public query page, printed as a QR code on receipts
    protocol_version: int = PROTOCOL_VERSION


# ---- push (上传) ----


class WireEvent(Message):
    """One event: no hashes travel; the county recomputes them from the content and the chain.

    ``id`` is left out of a case.recorded event whose id is its body's ``case_id`` (see ``event_id``).
    """

    id: Hex32 | None = None
    type: EventType
    t: Annotated[str, StringConstraints(max_length=40)]  # device time, ISO 8601 with offset
    body: dict[str, Any]
    pii: dict[str, Annotated[str, StringConstraints(max_length=500)]] | None = None
    salt: Hex32 | None = None  # with pii
    digests: dict[str, Hex64] | None = None  # instead of pii + salt, once personal data was purged


class PushRequest(Message):
    device_id: Hex32
    from_seq: Annotated[int, Field(ge=1, le=2**53)]
    prev_hash: Hex64  # hash of event from_seq - 1 (all zeros for the first)
    head_hash: Hex64  # the device's hash of the last event in this batch
    events: Annotated[list[WireEvent], Field(min_length=1)]
    app_version: AppVersion
    # The device's clock as it sends the batch (optional, newer counters): the county records the skew, and
    # answers a request that carries it with ``clock`` and ``credits`` (docs/points.md).
    sent_at: Annotated[str, StringConstraints(max_length=40)] | None = None


EventStatus = Literal["accepted", "duplicate", "rejected"]
SeqRange = Annotated[list[Seq], Field(min_length=2, max_length=2)]  # [first, last], both included


class EventResult(Message):
    """One event's answer, as PushResult.results spells it out."""

    seq: int
    status: EventStatus
    code: str | None = None  # for rejected: a stable reason code
    message: str | None = None  # for rejected: what the agent reads (Chinese)


class Rejection(Message):
    seq: Seq
    code: str  # a stable reason code
    message: str  # what the agent reads (Chinese)


class Head(Message):
    seq: Seq
    hash: Hex64


CREDIT_FLAG_LABELS = {  # what each flag means, in the words the agent and the bureau read
    "late": "办结月份已过入账期，计入县里收到的月份",
    "future": "办结时间晚于县里的当前时间，不计积分",
    "before_case": "办结时间早于这笔办件的登记时间，不计积分",
    "before_enrolment": "办结时间早于这台电脑激活的时间，不计积分",
    "disqualified": "经复核取消资格（违规办件），不计积分",
}


class CreditNote(Message):
    """An accepted completion the county did not credit to its own month: late, or earning nothing."""

    seq: Seq
    case_id: Hex32
    flag: Literal["late", "future", "before_case", "before_enrolment"]
    month: str | None = None  # the month it counts in (late); None: it earns nothing
    message: str  # what the agent reads (Chinese)


class ClockNote(Message):
    """How far the device's clock was from the county's when it sent the batch (``sent_at`` minus county time)."""

    skew_seconds: int
    wrong: bool  # beyond the county's limit (10 minutes by default)


def skew_words(skew_seconds: int) -> str:
    """A clock skew in plain words: 快 2 小时 5 分钟, 慢 12 分钟, 快 3 天."""
    minutes = abs(skew_seconds) // 60
    if minutes >= 24 * 60:
        amount = f"{minutes // 1440} 天"
    elif minutes >= 60:
        amount = f"{minutes // 60} 小时 {minutes % 60} 分钟"
    else:
        amount = f"{minutes} 分钟"
    return ("快" if skew_seconds > 0 else "慢") + amount


class PushResult(Message):
    """Accepted and duplicate events as runs of sequence numbers; each rejected event on its own.

    ``credits`` and ``clock`` are sent only in answer to a request with ``sent_at`` (older counters never see them).
    """

    accepted: list[SeqRange] = []
    duplicate: list[SeqRange] = []
    rejected: list[Rejection] = []
    head: Head
    server_time: str
    credits: list[CreditNote] | None = None
    clock: ClockNote | None = None

    @property
    def results(self) -> list[EventResult]:
        """One result per event the answer names, in sequence order."""
        seqs = [
            seq
            for ranges in (self.accepted, self.duplicate)
            for first, last in ranges
            for seq in range(first, last + 1)
        ]
        return self.results_for(sorted({*seqs, *(r.seq for r in self.rejected)}))

    def results_for(self, seqs: list[int]) -> list[EventResult]:
        """The result of each of ``seqs`` (the events a client sent) that the answer names; ranges are not expanded."""
        rejected = {r.seq: r for r in self.rejected}
        found = []
        for seq in seqs:
            if seq in rejected:
                found.append(
                    EventResult(seq=seq, status="rejected", code=rejected[seq].code, message=rejected[seq].message)
                )
            elif any(first <= seq <= last for first, last in self.accepted):
                found.append(EventResult(seq=seq, status="accepted"))
            elif any(first <= seq <= last for first, last in self.duplicate):
                found.append(EventResult(seq=seq, status="duplicate"))
        return found


def seq_ranges(seqs: list[int]) -> list[list[int]]:
    """Ascending sequence numbers as [first, last] runs: [3, 4, 5, 9] → [[3, 5], [9, 9]]."""
    ranges: list[list[int]] = []
    for seq in seqs:
        if ranges and ranges[-1][1] == seq - 1:
            ranges[-1][1] = seq
        else:
            ranges.append([seq, seq])
    return ranges


# ---- pull (下行) ----

PullKind = Literal[
    "case_status",
    "catalogue",
    "notice",
    "workdays",
    "account_state",
    "points_statement",
    "return_mailing",
    "consult_answer",
    "flowchart",
    "consult_route",
]
# What the counter's pull understands (``feed`` on /pull). 1: the kinds above but return_mailing and
# consult_answer, and the case statuses 受理/审批中/办结/退回 — what counters released before 材料已签收 parse; they
# never send ``feed``. 2: also 材料已签收 (materials_received) and 部门回寄 (return_mailing). 3: also the answer to
# a consultation the counter relayed (consult_answer, 代办点转来的咨询). 4: also an item's flowchart as its
# department approved it, or its withdrawal (flowchart, 部门审定的流程图; payload: ``FlowchartNotice``). 5: also
# which unit answers a relayed consultation and by when (consult_route, 答复单位与时限; payload: ``ConsultRoute``).
FEED_VERSION = 5


class PullItem(Message):
    cursor: int
    kind: PullKind
    created_at: str
    payload: dict[str, Any]


class FlowStepData(Message):
    who: ShortText
    what: ShortText
    time: ShortText


class FlowchartNotice(Message):
    """The payload of a ``flowchart`` pull item, for every point: the steps of an item's flowchart as its
    department approved them (approved_on: the China date, YYYY-MM-DD), or, withdrawn, that the approval was
    taken back by a later edit and the shipped sample (示例) stands again."""

    item_code: Annotated[str, StringConstraints(min_length=1, max_length=10)]
    steps: list[FlowStepData] = []
    approved_on: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    withdrawn: bool = False


class ConsultRoute(Message):
    """The payload of a ``consult_route`` pull item, for the point that relayed the question: the unit that
    answers it and the China date it must be answered by (``due_date``; None: 时限待确认, the county's working-day
    table does not cover the days it depends on). Sent when the county routes it, and again when the bureau
    reassigns it or publishes the year that confirms its date; the newest item per ``consult_id`` stands."""

    consult_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    unit: ShortText
    due_date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    routed_at: str


class PullResult(Message):
    items: list[PullItem]
    next_cursor: int
    more: bool
    server_time: str


# ---- status / digest (核对) ----


class MonthDigest(Message):
    count: int
    digest: Hex64  # sha256 over the sorted event ids acknowledged for that month, one per line


class StatusResult(Message):
    device_state: str
    head: Head
    months: dict[str, MonthDigest]
    server_time: str
    protocol_version: int = PROTOCOL_VERSION


# ---- material images (材料影像): GET and PUT /api/v1/evidence/{sha256} ----


class ImageState(Message):
    """How far the county holds an image: its size, the bytes received in order, whether it is stored whole."""

    size: int
    received: int
    complete: bool


# ---- errors ----


class ErrorBody(Message):
    code: str
    message: str  # Chinese, for the agent or the clerk
    retry_after: int | None = None
    resend_from: int | None = None
    min_app_version: str | None = None  # with 426 app_outdated: the lowest counter version the county accepts


class ErrorResult(Message):
    error: ErrorBody


# ---- conversion ----


def _implied_id(event_type: EventType, body: dict[str, Any]) -> str | None:
    """The id a case.recorded event has without sending it: its case id (None when there is none to take)."""
    case_id = body.get("case_id") if event_type is EventType.CASE_RECORDED else None
    return case_id if isinstance(case_id, str) and _HEX32.fullmatch(case_id) else None


def event_id(wire: WireEvent) -> str:
    """The event's id: sent, or implied by its case id; ValueError when neither."""
    found = wire.id or _implied_id(wire.type, wire.body)
    if found is None:
        raise ValueError("event without an id")
    return found


def event_to_wire(event: Event) -> WireEvent:
    body = dict(event.body)
    sent_id = None if _implied_id(event.type, body) == event.event_id else event.event_id
    if event.pii is not None:
        return WireEvent(
            id=sent_id,
            type=event.type,
            t=event.occurred_at,
            body=body,
            pii=dict(event.pii) or None,
            salt=event.pii_salt if event.pii else None,
        )
    return WireEvent(
        id=sent_id, type=event.type, t=event.occurred_at, body=body, digests=dict(event.pii_digests) or None
    )


def wire_to_event(wire: WireEvent, *, device_id: str, seq: int, prev_hash: str) -> Event:
    """Rebuild the sealed event the device holds, recomputing digests and hash from the content."""
    return wire_to_sealed(wire, device_id=device_id, seq=seq, prev_hash=prev_hash).event


def wire_to_sealed(wire: WireEvent, *, device_id: str, seq: int, prev_hash: str) -> SealedParts:
    """As ``wire_to_event``, with the canonical bytes of the body and digests that went into the hash."""
    if wire.pii:
        if wire.salt is None:
            raise ValueError("personal fields without their salt")
        return sealed_parts(
            event_id=event_id(wire),
            device_id=device_id,
            seq=seq,
            event_type=wire.type,
            occurred_at=wire.t,
            body=wire.body,
            prev_hash=prev_hash,
            pii=wire.pii,
            salt=bytes.fromhex(wire.salt),
        )
    return sealed_parts(
        event_id=event_id(wire),
        device_id=device_id,
        seq=seq,
        event_type=wire.type,
        occurred_at=wire.t,
        body=wire.body,
        prev_hash=prev_hash,
        digests=wire.digests,
    )


def month_digest(event_ids: list[str]) -> str:
    """Digest of the event ids acknowledged for one month: sha256 of the sorted ids, one per line."""
    return hashlib.sha256("\n".join(sorted(event_ids)).encode("ascii")).hexdigest()
