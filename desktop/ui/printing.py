"""Printing from the screens: the PDF is made and sent to the printer in the background; the result is a calm message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from desktop.jobs.runner import Job
from desktop.services.session import Counter
from desktop.ui.messages import MessageBar


def make_printer(name: str):
    """The printer chosen in 设置, else the system default; a QPrinter without one is reported as “no printer”."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    info = QPrinterInfo.printerInfo(name) if name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        info = QPrinterInfo.defaultPrinter()
    return QPrinter(info, QPrinter.PrinterMode.HighResolution) if not info.isNull() else QPrinter()


class Printer(QObject):
    """Keeps the running print jobs alive until they report; one message per job."""

    def __init__(self, counter: Counter, messages: MessageBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages = counter, messages
        self.jobs: list[Job] = []
        self.last_result = None

    def print_pdf(self, what: str, make_pdf: Callable[[], bytes]) -> Job:
        from desktop.printing.qt_print import print_pdf

        printer = make_printer(self.counter.settings.get("printer"))
        job = Job(f"print-{what}", lambda: print_pdf(make_pdf(), printer), self)
        job.done.connect(lambda result, w=what: self._done(w, result))
        job.failed.connect(lambda exc, w=what: self._failed(w, exc))
        job.finished.connect(lambda j=job: self.jobs.remove(j))
        job.printer = printer  # QPrinter must outlive the job
        self.jobs.append(job)
        self.messages.show_message(f"正在打印{what}……")
        job.start()
        return job

    def _done(self, what: str, result) -> None:
        self.last_result = result
        if result.ok:
            self.messages.show_message(f"{what}：{result.message}")
        else:
            self.messages.show_message(result.message, warning=True)
            if not result.known:
                raise RuntimeError("printing failed; see the report in the log")

    def _failed(self, what: str, exc: BaseException) -> None:
        if not self.messages.show_failure(exc, doing=f"打印{what}"):
            raise exc
