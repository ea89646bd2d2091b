"""Sync benchmark workloads: sealed device chains, an in-memory outbox for SyncEngine, pre-built push bodies."""

from __future__ import annotations

import gzip
import json
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from bench.workload import business_days, case_form, history
from sync.client import encode_body
from sync.ledger.catalogue import Catalogue
from sync.ledger.chain import GENESIS_HASH, seal
from sync.ledger.events import CHINA_TZ, Event, EventDraft, format_time
from sync.ledger.forms import draft_case
from sync.ledger.kinds import EventType
from sync.ledger.receipts import format_receipt_no
from sync.wire import MonthDigest, PullItem, PushRequest, event_to_wire, month_digest

END_DAY = date(2026, 11, 27)  # the benchmark's "today"
APP_VERSION = "0.1.0"


@dataclass(frozen=True)
class Device:
    """An enrolled device as the county knows it: what a client needs to push for it."""

    device_id: str
    token: str
    point_code: str
    device_no: int


def case_drafts(catalogue: Catalogue, rng: random.Random, n: int, per_day: int = 100) -> list[EventDraft]:
    """``n`` case.recorded drafts (realistic varied forms), ``per_day`` per business day, ending yesterday."""
    days = business_days(END_DAY, -(-n // per_day))
    out = []
    for index in range(n):
        day = days[index // per_day]
        at = datetime.combine(day, time(8, 30), CHINA_TZ) + timedelta(seconds=30 * (index % per_day))
        out.append(draft_case(case_form(catalogue, rng), catalogue, business_date=day, occurred_at=format_time(at)))
    return out


def backlog_drafts(catalogue: Catalogue, rng: random.Random, n: int, per_day: int = 25) -> list[EventDraft]:
    """The first ``n`` events of a realistic history (cases, completions, voids, approval mailings)."""
    cases = max(1, int(n / 1.25))
    days = business_days(END_DAY, max(1, -(-cases // per_day)))
    out: list[EventDraft] = []
    while len(out) < n:
        for drafts in history(catalogue, cases, days, rng):
            out.extend(drafts)
        cases = max(1, n - len(out))  # rarely short: top up with another stretch of days
    return out[:n]


def seal_chain(drafts: Sequence[EventDraft], device: Device) -> list[Event]:
    """Seal drafts into one device's chain, numbering receipts per business day as the store does."""
    serials: dict[str, int] = {}
    prev, events = GENESIS_HASH, []
    for seq, draft in enumerate(drafts, start=1):
        if draft.type is EventType.CASE_RECORDED:
            day = str(draft.body["business_date"])
            serials[day] = serials.get(day, 0) + 1
            number = format_receipt_no(device.point_code, date.fromisoformat(day), device.device_no, serials[day])
            draft = replace(draft, body={**draft.body, "receipt_no": number})
        event = seal(draft, device_id=device.device_id, seq=seq, prev_hash=prev)
        events.append(event)
        prev = event.hash
    return events


def push_request(device_id: str, events: Sequence[Event]) -> PushRequest:
    return PushRequest(
        device_id=device_id,
        from_seq=events[0].seq,
        prev_hash=events[0].prev_hash,
        head_hash=events[-1].hash,
        events=[event_to_wire(e) for e in events],
        app_version=APP_VERSION,
    )


def push_bodies(device_id: str, events: Sequence[Event], batch: int) -> list[bytes]:
    """The request bodies SyncClient would send for these events (ssb-dict-1), ``batch`` per push."""
    return [encode_body(push_request(device_id, events[i : i + batch])) for i in range(0, len(events), batch)]


def bare_payload(events: Sequence[Event], batch: int, level: int = 6) -> int:
    """Bytes of the gzip'd bare payload: just each event's body and personal fields, ``batch`` per gzip stream."""
    total = 0
    for i in range(0, len(events), batch):
        records = [{"body": dict(e.body), "pii": dict(e.pii or {})} for e in events[i : i + batch]]
        raw = json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        total += len(gzip.compress(raw, compresslevel=level))
    return total


@dataclass
class MemoryPort:
    """sync.engine.SyncPort over an in-memory outbox: the real engine and client without a store's disk cost."""

    device_id: str
    events: list[Event]
    state: dict[int, str] = field(default_factory=dict)
    cursor: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.by_seq = {e.seq: e for e in self.events}
        self.state = {e.seq: "pending" for e in self.events}

    def pending_events(self, limit: int) -> list[Event]:
        with self.lock:
            seqs = sorted(s for s, st in self.state.items() if st in ("pending", "sent"))[:limit]
        return [self.by_seq[s] for s in seqs]

    def pending_count(self) -> int:
        with self.lock:
            return sum(st in ("pending", "sent") for st in self.state.values())

    def mark(self, seqs: list[int], state: str, error: str | None = None) -> None:
        with self.lock:
            self.state.update({s: state for s in seqs})

    def record_results(self, acked: list[int], rejected: dict[int, str]) -> None:
        with self.lock:
            self.state.update({s: "acked" for s in acked})
            self.state.update({s: "rejected" for s in rejected})

    def requeue_from(self, seq: int) -> int:
        with self.lock:
            moved = [s for s, st in self.state.items() if s >= seq and st != "pending"]
            self.state.update({s: "pending" for s in moved})
        return len(moved)

    def acknowledged_months(self) -> dict[str, MonthDigest]:
        by_month: dict[str, list[str]] = {}
        for seq, st in self.state.items():
            if st in ("acked", "rejected"):
                by_month.setdefault(self.by_seq[seq].occurred_at[:7], []).append(self.by_seq[seq].event_id)
        return {m: MonthDigest(count=len(ids), digest=month_digest(ids)) for m, ids in sorted(by_month.items())}

    def pull_cursor(self) -> int:
        return self.cursor

    def store_pulled(self, items: list[PullItem], next_cursor: int) -> int:
        self.cursor = next_cursor
        return len(items)

    def note_run(self, **values: str) -> None:
        pass

    def counts(self) -> dict[str, int]:
        with self.lock:
            out: dict[str, int] = {}
            for st in self.state.values():
                out[st] = out.get(st, 0) + 1
            return out


def wire_breakdown(events: Sequence[Event], batch: int) -> dict[str, float]:
    """Gzip'd bytes per event as the message grows from the bare payload to the full push body (no HTTP)."""

    def size(records_for: Callable[[Sequence[Event]], object]) -> float:
        total = 0
        for i in range(0, len(events), batch):
            raw = json.dumps(records_for(events[i : i + batch]), ensure_ascii=False, separators=(",", ":"))
            total += len(gzip.compress(raw.encode("utf-8"), compresslevel=6))
        return total / len(events)

    def wire(chunk: Sequence[Event], keys: tuple[str, ...]) -> list[dict]:
        return [{k: v for k, v in event_to_wire(e).model_dump(exclude_none=True).items() if k in keys} for e in chunk]

    push = sum(len(body) for body in push_bodies(events[0].device_id, events, batch)) / len(events)
    return {
        "bare": bare_payload(events, batch) / len(events),
        "plus_type_time": size(lambda c: wire(c, ("type", "t", "body", "pii"))),
        "plus_event_id": size(lambda c: wire(c, ("id", "type", "t", "body", "pii"))),
        "plus_salt": size(lambda c: wire(c, ("id", "type", "t", "body", "pii", "salt"))),
        "push_body": push,
    }
