"""Turns a Layout into PDF bytes with reportlab: the bundled fonts embedded as subsets, one run per font."""

from __future__ import annotations

import io
import itertools
import threading

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfgen.canvas import Canvas

from desktop.printing.fonts import PRIMARY, register_fonts, runs
from desktop.printing.layout import BOLD_STROKE
from desktop.printing.ops import Barcode, Frame, Layout, Qr, Rule, Text

AUTHOR = "浮梁县“乡村随身办”"
CREATOR = "乡村随身办 柜台端"
QR_QUIET_MODULES = 4
_lock = threading.Lock()  # reportlab keeps per-document font state on shared font objects


def render_pdf(layout: Layout, *, compress: bool = True) -> bytes:
    """The PDF of a layout. Output is byte-for-byte reproducible; ``compress=False`` leaves streams readable."""
    register_fonts()
    first = layout.pages[0]
    out = io.BytesIO()
    with _lock:
        canvas = Canvas(
            out,
            pagesize=(first.width, first.height),
            pageCompression=1 if compress else 0,
            invariant=1,
            initialFontName=PRIMARY,
            initialFontSize=layout.paper.body,
        )
        canvas.setTitle(layout.title)
        canvas.setAuthor(AUTHOR)
        canvas.setCreator(CREATOR)
        for page in layout.pages:
            canvas.setPageSize((page.width, page.height))
            for op in page.ops:
                _draw(canvas, op, page.height)
            canvas.showPage()
        canvas.save()
    return out.getvalue()


def _draw(canvas: Canvas, op: object, page_height: float) -> None:
    if isinstance(op, Text):
        _text(canvas, op, page_height)
    elif isinstance(op, Rule):
        canvas.setLineWidth(op.width)
        canvas.setDash(1.5, 1.5) if op.dashed else canvas.setDash()
        canvas.line(op.x0, page_height - op.y, op.x1, page_height - op.y)
    elif isinstance(op, Frame):
        half, box = op.width / 2, op.box
        canvas.setLineWidth(op.width)
        canvas.setDash()
        canvas.rect(box.x0 + half, page_height - box.y1 + half, box.width - op.width, box.height - op.width)
    elif isinstance(op, Qr):
        _qr(canvas, op, page_height)
    elif isinstance(op, Barcode):
        code = Code128(op.value, barWidth=op.bar_width, barHeight=op.box.height, quiet=0, humanReadable=0)
        code.drawOn(canvas, op.box.x0, page_height - op.box.y1)
    else:
        raise TypeError(f"cannot draw {type(op).__name__}")


def _text(canvas: Canvas, op: Text, page_height: float) -> None:
    if op.bold:  # the text render mode is graphics state: saved and restored so it cannot leak
        canvas.saveState()
        canvas.setLineWidth(op.size * BOLD_STROKE)
        canvas.setDash()
    text = canvas.beginText(op.x, page_height - op.baseline)
    if op.bold:
        text.setTextRenderMode(2)  # fill and stroke: the bold that a face without a bold weight can have
    for font, part in runs(op.text):
        text.setFont(font, op.size)
        text.textOut(part)
    canvas.drawText(text)
    if op.bold:
        canvas.restoreState()


def qr_runs(value: str) -> tuple[int, list[tuple[int, int, int]]]:
    """A QR code (level M) of ``value``: its side in modules, quiet zone included, and the dark runs of each
    row as (column, row, length) in modules from the top-left corner of the quiet zone."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    runs = []
    for row, modules in enumerate(code.modules):
        column = 0
        for dark, run in itertools.groupby(bool(cell) for cell in modules):
            length = len(list(run))
            if dark:
                runs.append((column + QR_QUIET_MODULES, row + QR_QUIET_MODULES, length))
            column += length
    return code.getModuleCount() + 2 * QR_QUIET_MODULES, runs


def qr_modules(value: str, side: float) -> list[tuple[float, float, float, float]]:
    """The dark modules of ``value``'s QR code filling a ``side``-point square: (x, y, width, height) from the
    square's top-left corner, one rectangle per dark run of a row."""
    count, runs = qr_runs(value)
    module = side / count
    return [(column * module, row * module, length * module, module) for column, row, length in runs]


def _qr(canvas: Canvas, op: Qr, page_height: float) -> None:
    """One filled path in module units (scaled into the box), written as integers: small and quick."""
    count, runs = qr_runs(op.value)
    module = op.box.width / count
    rects = " ".join(f"{column} {count - row - 1} {length} 1 re" for column, row, length in runs)
    canvas.saveState()
    canvas.addLiteral(f"{module:.6f} 0 0 {module:.6f} {op.box.x0:.4f} {page_height - op.box.y1:.4f} cm 0 g {rects} f")
    canvas.restoreState()
