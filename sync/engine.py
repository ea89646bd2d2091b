"""The sync engine (同步引擎): drains the outbox in batches, pulls the county feed, checks monthly digests.

State is written before each send (outbox rows marked "sent"), so a crash mid-request leaves nothing
unknown: the next run resends, and the county answers "already had it". Systemic failures stop the
run and back off with jitter; a record the county rejects is quarantined with its reason and the rest
go on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sync.client import (
    AuthRefused,
    CertificateProblem,
    Conflict,
    Gap,
    Insecure,
    Outdated,
    Refused,
    SyncClient,
    SyncError,
    Transient,
)
from sync.ledger.events import Event, china_now, format_time
from sync.ledger.kinds import OutboxState
from sync.wire import ClockNote, CreditNote, MonthDigest, PullItem, PushRequest, event_to_wire

BATCH = 200
PULL_PAGE = 200
MAX_GAP_RETRIES = 3


class SyncPort(Protocol):
    """What the engine needs from the device's store (desktop.store.sync_port implements it)."""

    device_id: str

    def pending_events(self, limit: int) -> list[Event]: ...
    def pending_count(self) -> int: ...
    def mark(self, seqs: list[int], state: str, error: str | None = None) -> None: ...
    def record_results(self, acked: list[int], rejected: dict[int, str]) -> None: ...
    def requeue_from(self, seq: int) -> int: ...
    def acknowledged_months(self) -> dict[str, MonthDigest]: ...
    def pull_cursor(self) -> int: ...
    def store_pulled(self, items: list[PullItem], next_cursor: int) -> int: ...
    def note_run(self, **values: str) -> None: ...


@dataclass
class Backoff:
    """Exponential backoff with full jitter and a ceiling; Retry-After from the county wins when longer."""

    base: float = 5.0
    ceiling: float = 900.0
    failures: int = 0
    rng: Callable[[], float] = random.random

    def next_delay(self, retry_after: float | None = None) -> float:
        self.failures += 1
        delay = self.rng() * min(self.ceiling, self.base * 2 ** (self.failures - 1))
        return max(delay, retry_after or 0.0)

    def reset(self) -> None:
        self.failures = 0


@dataclass
class SyncReport:
    pushed: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    pulled: int = 0
    requests: int = 0
    error: SyncError | None = None
    locked: bool = False  # the county refused this device: the app must lock
    digest_mismatch: list[str] = field(default_factory=list)
    clock: ClockNote | None = None  # the county's measure of this device's clock, from the last push
    credits: list[CreditNote] = field(default_factory=list)  # completions not credited to their own month

    @property
    def ok(self) -> bool:
        return self.error is None


ProgressFn = Callable[[int, int], None]


class SyncEngine:
    def __init__(self, client: SyncClient, port: SyncPort, *, app_version: str, batch: int = BATCH):
        self.client, self.port, self.app_version, self.batch = client, port, app_version, batch

    def run(self, progress: ProgressFn | None = None) -> SyncReport:
        """One sync run: push everything pending, then pull. Never raises for expected failures."""
        report = SyncReport()
        try:
            self._push_all(report, progress)
            self._pull_all(report)
            self.port.note_run(last_success=format_time(china_now()), last_error="", last_error_code="", outdated="")
        except AuthRefused as exc:
            report.error, report.locked = exc, True
        except Outdated as exc:  # remembered until a run succeeds: the agent is told to update, even after a restart
            report.error = exc
            self.port.note_run(outdated=exc.min_version or "?")
        except SyncError as exc:
            report.error = exc
        if report.error is not None:
            self.port.note_run(
                last_error=report.error.message,
                last_error_code=report.error.code,
                last_error_at=format_time(china_now()),
            )
        return report

    def _push_all(self, report: SyncReport, progress: ProgressFn | None) -> None:
        gap_retries = 0
        total = self.port.pending_count()
        while True:
            events = self._consecutive(self.port.pending_events(self.batch))
            if not events:
                return
            seqs = [e.seq for e in events]
            self.port.mark(seqs, OutboxState.SENT)  # written before the network call
            request = PushRequest(
                device_id=self.port.device_id,
                from_seq=events[0].seq,
                prev_hash=events[0].prev_hash,
                head_hash=events[-1].hash,
                events=[event_to_wire(e) for e in events],
                app_version=self.app_version,
                sent_at=format_time(china_now()),
            )
            report.requests += 1
            try:
                result = self.client.push(request)
            except Gap as gap:
                gap_retries += 1
                if gap_retries > MAX_GAP_RETRIES:
                    raise Transient(
                        "县里反复提示缺少记录，已暂停同步，请联系县政务服务管理局。", code="gap_loop"
                    ) from gap
                self.port.requeue_from(gap.resend_from)
                continue
            except (Outdated, CertificateProblem, Insecure):
                # Not the records' fault: a refused address or certificate stops the request before its body is
                # sent (a redirect away from HTTPS is not followed). They wait, unmarked, for a safe connection.
                self.port.mark(seqs, "pending")
                raise
            except (Conflict, Refused) as exc:
                self.port.mark(seqs, "pending", exc.message)
                raise
            results = result.results_for(seqs)
            acked = [r.seq for r in results if r.status in ("accepted", "duplicate")]
            rejected = {r.seq: r.message or "县里拒收了这条记录。" for r in results if r.status == "rejected"}
            self.port.record_results(acked, rejected)
            report.pushed += len(events)
            report.accepted += sum(r.status == "accepted" for r in results)
            report.duplicates += sum(r.status == "duplicate" for r in results)
            report.rejected += len(rejected)
            report.credits += result.credits or []
            if result.clock is not None:
                report.clock = result.clock
                wrong = "1" if result.clock.wrong else ""
                self.port.note_run(
                    clock_skew=str(result.clock.skew_seconds), clock_wrong=wrong, clock_checked_at=result.server_time
                )
            if progress:
                progress(report.pushed, max(total, report.pushed))

    @staticmethod
    def _consecutive(events: list[Event]) -> list[Event]:
        """The leading run of consecutive sequence numbers (a batch must be one piece of the chain)."""
        run: list[Event] = []
        for event in events:
            if run and event.seq != run[-1].seq + 1:
                break
            run.append(event)
        return run

    def _pull_all(self, report: SyncReport) -> None:
        cursor = self.port.pull_cursor()
        while True:
            report.requests += 1
            page = self.client.pull(cursor, PULL_PAGE)
            report.pulled += self.port.store_pulled(page.items, page.next_cursor)
            cursor = page.next_cursor
            if not page.more:
                return

    def check_digests(self) -> SyncReport:
        """Compare, month by month, what the county holds with what it acknowledged to us.

        If the county holds fewer events than it acknowledged (it lost some), resend from its head.
        """
        report = SyncReport()
        try:
            report.requests += 1
            status = self.client.status()
        except AuthRefused as exc:
            report.error, report.locked = exc, True
            return report
        except SyncError as exc:
            report.error = exc
            return report
        local = self.port.acknowledged_months()
        report.digest_mismatch = sorted(
            m for m in set(local) | set(status.months) if local.get(m) != status.months.get(m)
        )
        if report.digest_mismatch:
            self.port.requeue_from(status.head.seq + 1)
        return report
