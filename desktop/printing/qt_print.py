"""Printing through Qt (the only Qt module here): the system printer, save as PDF, calm messages on trouble.

The preview window the counter shows before printing is desktop/ui/print_preview.py; it renders pages with
``load_pdf`` and ``on_white`` from here, so the preview is what prints.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QObject, QRectF, QSize, QSizeF
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

log = logging.getLogger(__name__)

MAX_RENDER_DPI = 300  # an A4 page at 300 dpi is a 35 MB image before it is made grey; more buys nothing
SAVED = "办件已经保存好了，不会丢失，随时可以在台账里补打。"
NO_PRINTER = f"没有找到打印机，这次没有打印出来。{SAVED}请接好打印机、打开电源后再打印，或先“保存为 PDF”。"
OFFLINE = f"打印机没有响应（可能没开机、缺纸或连线松了），这次没有打印出来。{SAVED}检查打印机后再打印即可。"
BUG = f"打印时程序出了错，这次没有打印出来。{SAVED}请点“复制报告”发给技术支持，再试一次或先“保存为 PDF”。"
_DISK_ERRORS = {
    errno.ENOSPC: "磁盘已满",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "磁盘是只读的",
    errno.ENOENT: "文件夹不存在",
}


class PrinterUnavailable(Exception):
    """A known printer trouble: none installed, offline, out of paper, the driver refused to start."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PrintResult:
    """How a print or save went. ``known`` failures are shown calmly; the rest are bugs with a report."""

    ok: bool
    message: str
    known: bool = True
    notes: tuple[str, ...] = ()
    report: str = ""


def classify(exc: BaseException) -> PrintResult:
    """Sort a failure at the printing boundary into known trouble (a calm message) or a bug (with a report)."""
    if isinstance(exc, PrinterUnavailable):
        return PrintResult(False, exc.message)
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:
        return PrintResult(False, f"PDF 没有保存成功（{_DISK_ERRORS[exc.errno]}）。{SAVED}请换一个位置再保存。")
    log.error("printing failed", exc_info=exc)
    return PrintResult(False, BUG, known=False, report="".join(traceback.format_exception(exc)))


def load_pdf(pdf: bytes, parent: QObject | None = None) -> QPdfDocument:
    """A QPdfDocument over the bytes (the buffer is kept alive as the document's child)."""
    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise ValueError(f"the PDF did not load: {document.status()}")
    return document


def page_images(pdf: bytes, width_px: float, max_scale: float) -> list[QImage]:
    """Every page of the PDF on white, ``width_px`` wide (at most ``max_scale`` times its size in points).

    Safe off the UI thread (QImage, not QPixmap): the preview's pages are drawn while the PDF is made."""
    document = load_pdf(pdf)
    try:
        images = []
        for number in range(document.pageCount()):
            size = document.pagePointSize(number)
            scale = min(max_scale, width_px / size.width())
            images.append(on_white(document.render(number, size.toSize() * scale)))
        return images
    finally:
        document.close()


def warm_up() -> None:
    """Do once, in the background at start, what the first print would otherwise wait for: the bundled fonts
    loaded into reportlab, the QR and barcode code imported, and the PDF engine started on a small page."""
    from reportlab.graphics.barcode import qrencoder  # noqa: F401  (imported for its cost only)
    from reportlab.graphics.barcode.code128 import Code128
    from reportlab.pdfgen.canvas import Canvas

    from desktop.printing.fonts import PRIMARY, register_fonts

    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(226, 120), invariant=1)
    canvas.setFont(PRIMARY, 12)
    canvas.drawString(10, 90, "乡村随身办 回执 0123456789")
    Code128("0427-20261127-0001", barHeight=20).drawOn(canvas, 10, 40)
    canvas.showPage()
    canvas.save()
    page_images(out.getvalue(), 200, 1.0)


def _mm(points: float) -> float:
    return points * 25.4 / 72


def nearest_page_size(width_mm: float, height_mm: float, supported: list[QPageSize]) -> QPageSize:
    """The supported size that holds the page best: the smallest one it fits on, else the one it shrinks least on."""

    def size(page: QPageSize) -> QSizeF:
        return page.size(QPageSize.Unit.Millimeter)

    fitting = [p for p in supported if size(p).width() >= width_mm - 0.5 and size(p).height() >= height_mm - 0.5]
    if fitting:
        return min(fitting, key=lambda p: size(p).width() * size(p).height())
    return max(supported, key=lambda p: min(size(p).width() / width_mm, size(p).height() / height_mm))


def set_paper(printer: QPrinter, width_pt: float, height_pt: float) -> tuple[str, ...]:
    """Ask for the document's own paper size (a custom size for a roll); fall back to the nearest the driver has."""
    width_mm, height_mm = _mm(width_pt), _mm(height_pt)
    printer.setFullPage(True)  # the PDF pages carry their own margins
    wanted = QPageSize(
        QSizeF(width_mm, height_mm),
        QPageSize.Unit.Millimeter,
        f"{width_mm:.0f}×{height_mm:.0f} 毫米",
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
    portrait = QPageLayout.Orientation.Portrait
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        printer.setPageLayout(QPageLayout(wanted, portrait, QMarginsF(0, 0, 0, 0)))
        return ()
    info = QPrinterInfo(printer)
    supported = list(info.supportedPageSizes())
    if info.supportsCustomPageSizes() and printer.setPageSize(wanted):
        got = printer.pageLayout().pageSize().size(QPageSize.Unit.Millimeter)
        if abs(got.width() - width_mm) < 1 and abs(got.height() - height_mm) < 1:
            printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
            return ()
    if not supported:
        return (
            f"打印机没有报告它支持的纸张，按 {width_mm:.0f}×{height_mm:.0f} 毫米打印；如打印不全，请在打印机设置里选对纸张。",
        )
    chosen = nearest_page_size(width_mm, height_mm, supported)
    printer.setPageSize(chosen)
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    got = chosen.size(QPageSize.Unit.Millimeter)
    shrink = got.width() < width_mm - 0.5 or got.height() < height_mm - 0.5
    return (
        f"打印机不支持 {width_mm:.0f}×{height_mm:.0f} 毫米的纸，已改用“{chosen.name()}”"
        f"（{got.width():.0f}×{got.height():.0f} 毫米），内容{'按比例缩小' if shrink else '按原大小'}打印。",
    )


def check_printer(printer: QPrinter) -> None:
    """Refuse at once, calmly, when there is no printer to print on."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        if not printer.outputFileName():
            raise PrinterUnavailable(NO_PRINTER)
        return
    if not printer.isValid() or not QPrinterInfo.availablePrinters():
        raise PrinterUnavailable(NO_PRINTER)
    if printer.printerState() == QPrinter.PrinterState.Error:
        raise PrinterUnavailable(OFFLINE)


def on_white(image: QImage) -> QImage:
    """A rendered page (transparent where nothing is drawn) flattened onto white paper, in grey: what a
    printer driver handles best, and a quarter of the memory."""
    flat = QImage(image.size(), QImage.Format.Format_RGB32)
    flat.fill(QColor("white"))
    painter = QPainter(flat)
    painter.drawImage(0, 0, image)
    painter.end()
    return flat.convertToFormat(QImage.Format.Format_Grayscale8)


def paint_pdf(printer: QPrinter, document: QPdfDocument) -> None:
    """Paint every page, rendered at the printer's resolution (at most MAX_RENDER_DPI), onto the printer's paper."""
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterUnavailable(OFFLINE)
    try:
        dpi = min(printer.resolution(), MAX_RENDER_DPI)
        paper = printer.paperRect(QPrinter.Unit.DevicePixel)
        device_per_pt = printer.resolution() / 72
        for number in range(document.pageCount()):
            if number and not printer.newPage():
                raise PrinterUnavailable(OFFLINE)
            page = document.pagePointSize(number)
            width, height = page.width() * device_per_pt, page.height() * device_per_pt
            slack = device_per_pt  # drivers round paper sizes to whole points: within one point is a fit
            fits = paper.width() >= width - slack and paper.height() >= height - slack
            scale = 1.0 if fits else min(paper.width() / width, paper.height() / height)
            target = QRectF(paper.x() + (paper.width() - width * scale) / 2, paper.y(), width * scale, height * scale)
            image = document.render(number, QSize(round(page.width() / 72 * dpi), round(page.height() / 72 * dpi)))
            if image.isNull():
                raise MemoryError(f"page {number + 1} could not be rendered")
            painter.drawImage(target, on_white(image))
    finally:
        painter.end()


def print_pdf(pdf: bytes, printer: QPrinter) -> PrintResult:
    """Print the PDF on ``printer`` (a real one, or a PDF-format QPrinter); never raises."""
    try:
        check_printer(printer)
        document = load_pdf(pdf)
        try:
            page = document.pagePointSize(0)
            notes = set_paper(printer, page.width(), page.height())
            paint_pdf(printer, document)
        finally:
            document.close()
    except Exception as exc:
        return classify(exc)
    return PrintResult(
        True,
        "已发送到打印机。" if printer.outputFormat() != QPrinter.OutputFormat.PdfFormat else "已打印到 PDF 文件。",
        notes=notes,
    )


def save_pdf(pdf: bytes, path: Path) -> PrintResult:
    """Write the PDF to ``path`` whole or not at all (a temporary file renamed into place); never raises."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".printing-", suffix=".pdf")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(pdf)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except Exception as exc:
        return classify(exc)
    return PrintResult(True, f"已保存为 PDF：{path}")
