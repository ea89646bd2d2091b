"""台账自检 after login: the whole-file check the open skipped (a large ledger), run in the background."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from desktop.jobs.runner import Job
from desktop.jobs.tasks import integrity_job
from desktop.services.session import Counter
from desktop.ui.messages import MessageBar

CHECK_AFTER_MS = 15_000  # the first villager is served before the disk is read end to end


class IntegrityCheck(QObject):
    """Starts the check once, a little after login; damage found is a calm message (the next open restores)."""

    def __init__(self, counter: Counter, messages: MessageBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages = counter, messages
        self.job: Job | None = None
        self.passed: bool | None = None

    def start_later(self, delay_ms: int = CHECK_AFTER_MS) -> None:
        QTimer.singleShot(delay_ms, self, self.run)

    def run(self) -> Job | None:
        if self.job is not None:
            return None
        self.job = integrity_job(self.counter, self)
        self.job.done.connect(self._passed)
        self.job.failed.connect(self._failed)
        self.job.start()
        return self.job

    def _passed(self, _result) -> None:
        self.passed = True

    def _failed(self, exc: BaseException) -> None:
        self.passed = False
        if not self.messages.show_failure(exc, doing="检查台账"):
            raise exc
