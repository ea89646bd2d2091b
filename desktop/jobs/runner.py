"""Run a function off the UI thread and report its result or failure through signals (never blocks the UI)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class Job(QObject):
    """One piece of background work. Connect ``done`` / ``failed`` before ``start()``.

    ``done`` carries the function's return value, ``failed`` the exception (sorted into known
    failures or bugs by the screen that started the job). Work that reports progress emits ``progress``
    from its own thread; Qt queues it to the UI thread.
    """

    done = Signal(object)
    failed = Signal(object)
    finished = Signal()
    progress = Signal(int, int)  # (done, total), emitted by the work itself from its thread
    side_progress = Signal(int, int)  # a second measure beside it (a sync's image bytes beside its records)
    _result = Signal(bool, object)

    def __init__(self, name: str, work: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._work = work
        self.running = False
        self._result.connect(self._report)

    def start(self, pool: QThreadPool | None = None) -> None:
        self.running = True
        (pool or QThreadPool.globalInstance()).start(_Runnable(self))

    @Slot(bool, object)
    def _report(self, ok: bool, value: Any) -> None:
        self.running = False
        (self.done if ok else self.failed).emit(value)
        self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job

    def run(self) -> None:
        # Emitted from this worker thread; the job lives in the UI thread, so the slot runs there (queued).
        try:
            value = self._job._work()
        except Exception as exc:  # sorted by whoever listens to failed
            log.warning("job %s failed: %s", self._job.name, type(exc).__name__)
            self._job._result.emit(False, exc)
        else:
            self._job._result.emit(True, value)
