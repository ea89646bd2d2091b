"""Printing from the screens: the PDF is made in the background, shown in the preview (unless 设置 says 直接打印),
then sent to the printer or saved as a PDF; the result is a calm message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from desktop.jobs.runner import Job
from desktop.services.session import Counter
from desktop.settings import BY_KEY
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
        self.last_job: Job | None = None
        self.preview = None

    def print_pdf(self, what: str, make_pdf: Callable[[], bytes]) -> Job:
        """Make the document; preview it first if 设置 asks for that (the default), else print it straight away."""
        if self.counter.settings.get("print_preview") == "off":
            return self.send(what, make_pdf)
        job = Job(f"preview-{what}", make_pdf, self)
        job.done.connect(lambda pdf, w=what: self.preview_pdf(w, pdf))
        job.failed.connect(lambda exc, w=what: self._failed(w, exc))
        self._keep(job)
        self.messages.show_message(f"正在准备{what}……")
        job.start()
        return job

    def preview_pdf(self, what: str, pdf: bytes):
        from desktop.ui.print_preview import PrintPreview, default_pdf_path

        paper = BY_KEY["paper"].label_of(self.counter.settings.get("paper"))
        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        try:
            dialog = PrintPreview(what, pdf, paper, default_pdf_path(what, self.counter.now()), parent)
        except ValueError as exc:  # the PDF did not load: a bug in making it, with a report
            self._failed(what, exc)
            return None
        dialog.print_requested.connect(lambda w=what, p=pdf: self.send(w, lambda: p))
        dialog.save_requested.connect(lambda path, w=what, p=pdf: self.save(w, p, path))
        dialog.finished.connect(self._closed)
        self.preview = dialog
        dialog.open()
        return dialog

    def _closed(self) -> None:
        if self.preview is not None:
            self.preview.deleteLater()
            self.preview = None

    def send(self, what: str, make_pdf: Callable[[], bytes]) -> Job:
        """Make the PDF (if not made yet) and print it on the chosen printer, off the UI thread."""
        from desktop.printing.qt_print import print_pdf

        printer = make_printer(self.counter.settings.get("printer"))
        job = Job(f"print-{what}", lambda: print_pdf(make_pdf(), printer), self)
        job.done.connect(lambda result, w=what: self._done(w, result))
        job.failed.connect(lambda exc, w=what: self._failed(w, exc))
        job.printer = printer  # QPrinter must outlive the job
        self._keep(job)
        self.last_job = job
        self.messages.show_message(f"正在打印{what}……")
        job.start()
        return job

    def save(self, what: str, pdf: bytes, path) -> None:
        from desktop.printing.qt_print import save_pdf

        self._done(what, save_pdf(pdf, path))

    def _keep(self, job: Job) -> None:
        job.finished.connect(lambda j=job: self.jobs.remove(j))
        self.jobs.append(job)

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
