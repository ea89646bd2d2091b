"""The QR code and the barcode as printed: the QR's modules are the encoder's, the bars read back as the number."""

from __future__ import annotations

import pytest
from PIL import Image
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Rect

from desktop.printing.documents import layout_of, pdf_of
from desktop.printing.ops import Barcode, Qr
from desktop.printing.papers import PAPERS
from desktop.printing.render import qr_modules, qr_runs
from desktop.services.print_sample_day import SAMPLE_TRACKING
from tests.desktop.printing.barcode_reader import decode
from tests.desktop.printing.pdftools import png_pages

DPI = 300


def test_qr_modules_match_reportlabs_own_qr_widget():
    value = "https://zwfw.fuliang.gov.cn/ssb/q?r=042726112710017&c=JRW3NT"
    side = 80.0
    widget = QrCodeWidget(value, barLevel="M", barBorder=4, barWidth=side, barHeight=side)
    theirs = sorted(
        (round(r.x, 6), round(side - r.y - r.height, 6), round(r.width, 6), round(r.height, 6))
        for r in widget.draw().contents
        if isinstance(r, Rect) and r.fillColor is not None
    )
    ours = sorted(tuple(round(v, 6) for v in rect) for rect in qr_modules(value, side))
    assert ours == theirs


def test_the_receipts_qr_carries_only_the_receipt_number_and_check_code(sample_ledger):
    data = sample_ledger.documents["receipt"]
    (qr,) = [op for _n, op in layout_of(data, PAPERS["roll58"]).boxes() if isinstance(op, Qr)]
    assert qr.value == data.query.url
    assert qr.value.startswith("https://zwfw.fuliang.gov.cn/ssb/q?")
    query = qr.value.split("?", 1)[1]
    assert query == f"r={data.receipt_no.replace('-', '')}&c={data.query.check_code}"


def grey_page(pdf: bytes, folder) -> Image.Image:
    (page,) = png_pages(pdf, folder, dpi=DPI)
    with Image.open(page) as opened:
        return opened.convert("L")


@pytest.mark.parametrize("paper_key", ["roll58", "a4"])
def test_every_printed_qr_module_is_the_encoders(sample_ledger, tmp_path, paper_key):
    data = sample_ledger.documents["receipt"]
    paper = PAPERS[paper_key]
    (qr,) = [op for _n, op in layout_of(data, paper).boxes() if isinstance(op, Qr)]
    image = grey_page(pdf_of(data, paper), tmp_path)
    count, runs = qr_runs(qr.value)
    dark = {(column + k, row) for column, row, length in runs for k in range(length)}
    module, scale = qr.box.width / count, DPI / 72
    for row in range(count):
        for column in range(count):
            x = (qr.box.x0 + (column + 0.5) * module) * scale
            y = (qr.box.y0 + (row + 0.5) * module) * scale
            assert (image.getpixel((round(x), round(y))) < 128) == ((column, row) in dark), (column, row)


@pytest.mark.parametrize("paper_key", ["roll58", "roll80", "a5", "a4"])
def test_the_printed_barcode_reads_back_as_the_tracking_number(sample_ledger, tmp_path, paper_key):
    data = sample_ledger.documents["mailing-slip"]
    paper = PAPERS[paper_key]
    (barcode,) = [op for _n, op in layout_of(data, paper).boxes() if isinstance(op, Barcode)]
    image = grey_page(pdf_of(data, paper), tmp_path)
    scale = DPI / 72
    y = round((barcode.box.y0 + barcode.box.y1) / 2 * scale)
    left = round((barcode.box.x0 - 5 * barcode.bar_width) * scale)
    right = round((barcode.box.x1 + 5 * barcode.bar_width) * scale)
    row = [image.getpixel((x, y)) < 128 for x in range(left, right)]
    assert decode(row) == SAMPLE_TRACKING
