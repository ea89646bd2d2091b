"""Printing from the screens: the PDF is made in the background, shown in the preview (unless 设置 says 直接打印),
then sent to the printer or saved as a PDF; the result is a calm message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import isValid

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


HELD_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)


_warming: list[Job] = []


def warm_printing() -> Job:
    """Fonts, PDF engine and print code loaded once per process in the background, so the first preview needs
    no wait. The job belongs to the application, so a window closed meanwhile does not cut it short."""
    from desktop.printing.qt_print import warm_up

    if not _warming:
        job = Job("warm-printing", warm_up, QApplication.instance())
        job.failed.connect(lambda _exc: None)  # the first print then does it, and reports any trouble itself
        _warming.append(job)
        job.start()
    return _warming[0]


class _HoldKeys(QObject):
    """While a preview is being made, Enter and Space go nowhere: no button behind it is pressed by accident."""

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        return event.type() == QEvent.Type.KeyPress and event.key() in HELD_KEYS


class Printer(QObject):
    """Keeps the running print jobs alive until they report; one message per job."""

    def __init__(self, counter: Counter, messages: MessageBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages = counter, messages
        self.jobs: list[Job] = []
        self.last_result = None
        self.last_job: Job | None = None
        self.preview = None
        self.preparing: Job | None = None
        self.return_focus: QWidget | None = None
        self._hold = _HoldKeys(self)

    def print_pdf(self, what: str, make_pdf: Callable[[], bytes]) -> Job:
        """Make the document; preview it first if 设置 asks for that (the default), else print it straight away.

        The PDF and the preview's page images are made off the UI thread; meanwhile Enter and Space are held
        back, and when the preview closes the focus goes back where it was."""
        if self.preparing is not None:
            return self.preparing  # F9 pressed again while the first is being made
        self.return_focus = QApplication.focusWidget()
        if self.counter.settings.get("print_preview") == "off":
            return self.send(what, make_pdf)
        from desktop.ui.print_preview import preview_images

        def work():
            pdf = make_pdf()
            return pdf, preview_images(pdf)

        job = Job(f"preview-{what}", work, self)
        job.done.connect(lambda made, w=what: self.preview_pdf(w, *made))
        job.failed.connect(lambda exc, w=what: self._failed(w, exc))
        job.finished.connect(self._prepared)
        self._keep(job)
        self.messages.show_message(f"正在准备{what}……")
        self.preparing = job
        QApplication.instance().installEventFilter(self._hold)
        job.start()
        return job

    def _prepared(self) -> None:
        QApplication.instance().removeEventFilter(self._hold)
        self.preparing = None

    def preview_pdf(self, what: str, pdf: bytes, images=None):
        from desktop.ui.print_preview import PrintPreview, default_pdf_path

        paper = BY_KEY["paper"].label_of(self.counter.settings.get("paper"))
        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        try:
            dialog = PrintPreview(what, pdf, paper, default_pdf_path(what, self.counter.now()), parent, images)
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
        self.restore_focus()

    def restore_focus(self) -> None:
        """Back to the widget that had the focus when printing began (再登记一笔 after F9), else the page."""
        target = self.return_focus if self.return_focus is not None and isValid(self.return_focus) else None
        if target is None or not target.isVisible() or not target.isEnabled():
            target = self.parent() if isinstance(self.parent(), QWidget) else None
        if target is not None:
            target.window().activateWindow()
            target.setFocus(Qt.FocusReason.OtherFocusReason)

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
