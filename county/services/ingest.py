"""Push ingest (接收上传): verify the device's chain, store each event once, answer per event.

One transaction per batch. Every event is re-validated with the shared rules (most of them before the
transaction opens: county/services/precheck.py); nothing from the client is trusted. A rejected event
still takes its place in the chain (the device holds it), but changes no case and earns nothing; the
agent sees why. The same sequence number with different content is a conflict: the batch is refused
and the device is flagged for the county to review. Each batch is recorded with the device's clock skew
(county/services/clock_skew.py); the month each completion counts in is the county's to decide
(county/services/crediting.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.config import ClockRules, FraudRules
from county.errors import CountyError, Refusal
from county.models import Case, Device, LedgerEvent, Point, TamperFlag
from county.services import bulk, changes, clock_skew, fraud_watch
from county.services.cases import CaseBook
from county.services.common import iso, utcnow
from county.services.crediting import MonthClock
from county.services.fraud_review import record_hits
from county.services.fraud_rules import tamper_hit
from county.services.pii import PiiBox
from county.services.points import publish_statement_if_changed
from county.services.precheck import RejectEvent, Sealed, prepare
from sync.wire import CreditNote, Head, PushRequest, PushResult, Rejection, seq_ranges

EVENT_TABLE = LedgerEvent.__table__
STORED_AS_TEXT = frozenset({"body", "pii", "pii_digests"})  # JSON text already, or NULL (precheck.ledger_row)


class Conflict(CountyError):
    def __init__(self, seq: int, detail: str):
        super().__init__(
            Refusal.CONFLICT,
            "conflict",
            "本机台账与县里已收到的记录不一致，县里已记录并将核查。请联系县政务服务管理局，不要删除本机数据。",
        )
        self.seq, self.detail = seq, detail


def flag_tampering(session: Session, device: Device, seq: int, detail: str) -> None:
    """Record a conflict in its own transaction (the batch itself is rolled back)."""
    session.rollback()
    device = session.get(Device, device.id)
    device.tampered = True
    flag = TamperFlag(
        device_id=device.id, point_id=device.point_id, seq=seq, kind="conflict", detail=detail, created_at=utcnow()
    )
    session.add(flag)
    session.flush()
    record_hits(session, [tamper_hit(flag)], source="ingest")  # a review item: the chain's flag, for a person
    session.commit()


def _row(
    base: dict[str, Any], point_id: int, now: datetime, status: str, code: str | None, message: str | None
) -> dict[str, Any]:
    """The ledger row: the event's own columns (precheck.ledger_row) and what the county decided."""
    return {
        **base,
        "point_id": point_id,
        "received_at": now,
        "status": status,
        "reject_code": code,
        "reject_message": message,
    }


def _same_flags(session: Session, book: CaseBook) -> bool:
    """The batch leaves the statement's flags as they were: it flagged no completion and completed no case the
    fraud review had already disqualified (which the statement lists once it has completed)."""
    if book.flagged:
        return False
    if not book.completed:
        return True
    found = select(Case.case_id).where(Case.case_id.in_(book.completed), Case.disqualified.is_(True)).limit(1)
    return session.scalar(found) is None


def push(
    session: Session,
    device: Device,
    point: Point,
    request: PushRequest | Sealed,
    *,
    max_events: int,
    box: PiiBox | None = None,
    rules: ClockRules | None = None,
    source: str = "push",
    fraud: FraudRules | None = None,
) -> PushResult:
    """Apply one batch in the session's transaction; ``request`` may come already sealed (precheck.prepare),
    else ``box`` seals its personal fields.

    ``source``: ``push`` online, ``file`` for an imported sync file (its send time is the export's, days ago
    perhaps, so no clock skew is measured from it).

    ``fraud``: the fraud rules' thresholds (county/services/fraud_watch.py); their hits open review items and
    change nothing of the batch's answer or of any point's points."""
    rules = rules or ClockRules()
    fraud = fraud or FraudRules()
    sealed = request if isinstance(request, Sealed) else prepare(request, max_events=max_events, box=box)
    request = sealed.request
    if request.device_id != device.id:
        raise CountyError(Refusal.FORBIDDEN, "wrong_device", "上传的记录不属于这台电脑，已拒收。")
    if sealed.too_large or len(request.events) > max_events:
        raise CountyError(Refusal.TOO_LARGE, "batch_too_large", f"一次最多上传 {max_events} 条记录。")
    head_seq, head_hash = device.head_seq, device.head_hash
    if request.from_seq > head_seq + 1:
        raise CountyError(
            Refusal.CONFLICT, "gap", "县里缺少前面的记录，请从缺少的地方重新上传。", resend_from=head_seq + 1
        )

    last = request.from_seq + len(request.events) - 1
    stored = {
        row.seq: row
        for row in session.execute(
            select(LedgerEvent.seq, LedgerEvent.event_id, LedgerEvent.hash, LedgerEvent.status).where(
                LedgerEvent.device_id == device.id, LedgerEvent.seq.between(request.from_seq - 1, min(last, head_seq))
            )
        )
    }
    expected_prev = (
        head_hash
        if request.from_seq == head_seq + 1
        else (stored[request.from_seq - 1].hash if request.from_seq > 1 else "0" * 64)
    )
    if request.prev_hash != expected_prev:
        raise Conflict(request.from_seq, "previous hash differs from the county's copy")
    for event in sealed.events:
        if event.seq <= head_seq:
            old = stored[event.seq]
            if old.event_id != event.event_id or old.hash != event.hash:
                raise Conflict(event.seq, "same sequence number, different content")
    if sealed.unreadable is not None:
        raise sealed.unreadable
    if sealed.head_hash != request.head_hash:
        raise CountyError(Refusal.CONFLICT, "chain_mismatch", "这批记录在传输中不完整，已整批退回，会自动重新上传。")

    now = utcnow()
    book = CaseBook(session, point, MonthClock(session, point, rules, now))
    book.load(event for event in sealed.events if event.seq > head_seq)
    book.consult_phones = sealed.consult_phones
    accepted, duplicate, rejected, rows = [], [], [], []
    touched: set[str] = set()  # cases an accepted event created or changed: stamped for the data exchange
    for event, check, base in zip(sealed.events, sealed.checks, sealed.rows, strict=True):
        seq = event.seq
        if seq <= head_seq:
            duplicate.append(seq)
            continue
        try:
            book.apply(event, device, check)
            rows.append(_row(base, device.point_id, now, "accepted", None, None))
            accepted.append(seq)
            if base["case_id"] is not None:
                touched.add(base["case_id"])
        except RejectEvent as reject:
            rows.append(_row(base, device.point_id, now, "rejected", reject.code, reject.message))
            rejected.append(Rejection(seq=seq, code=reject.code, message=reject.message))
    if rows:
        bulk.insert_rows(session, EVENT_TABLE, rows, json_text=STORED_AS_TEXT)
        fraud_watch.stamp_applicants(book, rows)
        book.flush()
        if book.touched_months or book.flagged:
            publish_statement_if_changed(
                session, point, months=book.touched_months, same_flags=_same_flags(session, book)
            )
    if rows and fraud.enabled:
        skew = clock_skew.skew_seconds(request.sent_at, now) if source == "push" else None
        fraud_watch.check_batch(session, point, device, book, rows, before_seq=head_seq, skew=skew, rules=fraud)
    if last > head_seq:
        device.head_seq, device.head_hash = last, sealed.head_hash
    device.last_seen_at, device.app_version = now, request.app_version
    notes = [
        CreditNote(seq=seq, case_id=case_id, flag=credit.flag, month=credit.month, message=credit.message)
        for seq, case_id, credit in book.flagged
    ]
    clock = clock_skew.record(session, device, request, now, rules, notes, source=source)
    changes.touch(session, touched | book.returned_cases)
    session.commit()  # stamps the touched cases last, so the change counter is held only for the commit
    told = request.sent_at is not None or source == "file"  # a counter that sends its clock reads them; the CLI too
    return PushResult(
        accepted=seq_ranges(accepted),
        duplicate=seq_ranges(duplicate),
        rejected=rejected,
        head=Head(seq=device.head_seq, hash=device.head_hash),
        server_time=iso(now),
        credits=notes if told else None,
        clock=clock if told else None,
    )
