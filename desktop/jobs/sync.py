"""Background sync (后台同步): runs off the UI thread, backs off after failures, tries at once when the network returns.

When it runs: at login; a few seconds after the ledger changes; every few minutes to fetch county updates;
after a day close (followed by the monthly digest check); when the agent presses 立即同步. After a failure
it waits ``Backoff.next_delay(retry_after)`` on a QTimer; while the network is down it probes the county's
host cheaply (a TCP connect, off the UI thread) and tries at once when it answers.

While the county keeps the counter locked, nothing is synced; at login, every few minutes and when the agent
asks, it checks whether the county reinstated the counter (``desktop.services.standing``) and, if so, says
``restored`` and carries on syncing from where the ledger stands.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.jobs.runner import Job
from desktop.services.failures import classify
from desktop.services.session import Counter
from desktop.services.standing import StandingCheck, check_standing
from desktop.services.syncing import Cancelled, SyncOutcome, county_url, reachable, run_sync
from sync.engine import Backoff

log = logging.getLogger(__name__)

PERIOD_S = 300  # fetch county updates this often when all is well
TRAINING_PERIOD_S = 10  # the practice county's pretend department acts every few seconds
PROBE_S = 30  # while the network is down, check this often whether it is back
SETTLE_MS = 3000  # after the ledger changes, wait this long for more before sending
SHUTDOWN_WAIT_S = 15.0


class SyncScheduler(QObject):
    """``changed`` whenever what the status bar shows may have changed; ``finished(SyncOutcome)`` after each run."""

    changed = Signal()
    started = Signal()
    progress = Signal(int, int)
    image_progress = Signal(int, int)  # material images: bytes the county confirmed, of the backlog's bytes
    finished = Signal(object)
    locked = Signal(str)
    standing_checked = Signal(object)  # StandingCheck: the county's answer while locked
    restored = Signal()  # the county took this counter back: the lock is lifted

    def __init__(
        self,
        counter: Counter,
        *,
        probe: Callable[[str], bool] = reachable,
        backoff: Backoff | None = None,
        period_s: float | None = None,
        probe_s: float = PROBE_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.counter, self.probe, self.backoff = counter, probe, backoff or Backoff()
        self.url = county_url(counter)
        self.running = self.offline = self.checking = False
        self.quiet = False  # a periodic look for county updates: the status bar need not say 同步中…
        self.last: SyncOutcome | None = None
        self.retry_in_s = 0.0
        self._again = self._digests = False
        self._job: Job | None = None
        self._probe_job: Job | None = None
        self._standing_job: Job | None = None
        self._cancel, self._idle = threading.Event(), threading.Event()
        self._idle.set()
        period = period_s if period_s is not None else (TRAINING_PERIOD_S if counter.training else PERIOD_S)
        self._retry = QTimer(self, singleShot=True, timeout=self.sync_now)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS, timeout=self.sync_now)
        self._period = QTimer(self, interval=int(period * 1000), timeout=self._periodic)
        self._probe = QTimer(self, interval=int(probe_s * 1000), timeout=self._probe_now)
        self._standing = QTimer(self, interval=int(period * 1000), timeout=self.check_standing)

    @property
    def connected(self) -> bool:
        return self.url is not None

    @property
    def waiting(self) -> bool:
        """Backing off after a failure: the retry timer is set."""
        return self._retry.isActive()

    def start(self) -> None:
        if not self.connected:
            return
        if self.counter.locked:
            self._standing.start()
            self.check_standing()
            return
        self._period.start()
        self.sync_now()

    def check_standing(self) -> bool:
        """While locked, ask the county off the UI thread whether it took this counter back; False if not asked."""
        if not self.connected or not self.counter.locked or self.checking or self.running or self._cancel.is_set():
            return False
        self.checking = True
        self._idle.clear()
        counter, idle = self.counter, self._idle

        def work() -> StandingCheck:
            try:
                return check_standing(counter)
            finally:
                idle.set()

        job = self._standing_job = Job("standing", work)
        job.done.connect(self._standing_done)
        job.failed.connect(self._standing_failed)
        job.start()
        return True

    def _standing_done(self, check: StandingCheck) -> None:
        self.checking = False
        self.standing_checked.emit(check)
        if not check.restored or self._cancel.is_set():
            return
        self._standing.stop()
        self.backoff.reset()
        self.restored.emit()
        self.changed.emit()
        self.start()

    def _standing_failed(self, exc: BaseException) -> None:
        self.checking = False
        known = classify(exc, doing="向县里确认")
        if known is None:
            raise exc  # a bug: the crash dialog
        log.warning("standing check stopped by the machine: %s", type(exc).__name__)
        self.standing_checked.emit(StandingCheck(False, message=known.message))

    def sync_now(self, *, digests: bool = False, quiet: bool = False) -> bool:
        """Start a run now (or right after the one going on); False when this ledger has no county or is locked."""
        if not self.connected or self.counter.locked or self._cancel.is_set():
            return False
        self._digests = self._digests or digests
        if self.running:
            self._again = True
            self.quiet = self.quiet and quiet
            return True
        self.quiet = quiet
        self._retry.stop()
        self._settle.stop()
        self.running, self._again = True, False
        check, self._digests = self._digests, False
        self._idle.clear()
        cancel, idle, counter = self._cancel, self._idle, self.counter

        def work() -> SyncOutcome:
            try:
                return run_sync(
                    counter,
                    lambda done, total: job.progress.emit(done, total),
                    check_digests=check,
                    cancel=cancel,
                    image_progress=lambda sent, total: job.side_progress.emit(sent, total),
                )
            finally:
                idle.set()

        job = self._job = Job("sync", work)  # no parent: the worker holds it until it has reported
        job.progress.connect(self.progress)
        job.side_progress.connect(self.image_progress)
        job.done.connect(self._done)
        job.failed.connect(self._failed)
        job.start()
        self.started.emit()
        self.changed.emit()
        return True

    def ledger_changed(self) -> None:
        """Something was recorded: send it soon, unless waiting after a failure (the retry will carry it)."""
        if self.connected and not self.running and not self.waiting and not self.counter.locked:
            self._settle.start()

    def day_closed(self) -> None:
        """Every day close: a run, then the monthly digest check."""
        self.sync_now(digests=True)

    def _periodic(self) -> None:
        if not self.running and not self.waiting:
            self.sync_now(quiet=True)

    def _done(self, outcome: SyncOutcome) -> None:
        self.running, self.last = False, outcome
        if outcome.locked:
            self._stop_timers()
            self._standing.start()  # from now on only ask, now and then, whether the county took it back
            self.finished.emit(outcome)
            self.changed.emit()
            self.locked.emit(outcome.message)
            return
        if outcome.ok:
            self.backoff.reset()
            self.offline, self.retry_in_s = False, 0.0
            self._probe.stop()
        else:
            self._back_off(outcome.retry_after, offline=outcome.offline)
        self.finished.emit(outcome)
        self.changed.emit()
        if self._again and outcome.ok:
            self.sync_now()

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        if isinstance(exc, Cancelled):
            return
        if classify(exc, doing="同步") is None:
            self.changed.emit()
            raise exc  # a bug: the crash dialog
        log.warning("sync stopped by the machine: %s", type(exc).__name__)
        self._back_off(None, offline=False)
        self.changed.emit()

    def _back_off(self, retry_after: float | None, *, offline: bool) -> None:
        self.retry_in_s = self.backoff.next_delay(retry_after)
        self._retry.start(int(self.retry_in_s * 1000))
        self.offline = offline
        if offline and not self._probe.isActive():
            self._probe.start()
        elif not offline:
            self._probe.stop()

    def _probe_now(self) -> None:
        if not self.offline or self.running or (self._probe_job is not None and self._probe_job.running):
            return
        url, probe = self.url, self.probe
        job = self._probe_job = Job("probe", lambda: probe(url))
        job.done.connect(lambda up: up and self.offline and not self.running and self.sync_now())
        job.start()

    def _stop_timers(self) -> None:
        for timer in (self._retry, self._settle, self._period, self._probe, self._standing):
            timer.stop()

    def shutdown(self, wait_s: float = SHUTDOWN_WAIT_S) -> bool:
        """Stop for good before the ledger is closed: a run going on stops at its next batch; True when idle."""
        self._stop_timers()
        self._cancel.set()
        return self._idle.wait(wait_s)
