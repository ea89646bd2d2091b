"""Printing through Qt, headless: a PDF-format QPrinter stands in for the shop's printer; trouble is told calmly."""

from __future__ import annotations

import errno

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QImage, QPageSize
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from desktop.printing.documents import pdf_of
from desktop.printing.layout import Sheet
from desktop.printing.papers import A5, ROLL58
from desktop.printing.qt_print import (
    BUG,
    NO_PRINTER,
    OFFLINE,
    PrinterUnavailable,
    classify,
    nearest_page_size,
    print_pdf,
    save_pdf,
)
from desktop.printing.render import render_pdf
from tests.desktop.printing.pdftools import page_size_mm, pdf_pages, png_pages


def pdf_printer(path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def grey(path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("L")


def long_a5_pdf() -> bytes:
    sheet = Sheet(A5, "测试")
    for number in range(100):
        sheet.text(f"第 {number} 行")
    return render_pdf(sheet.finish("页脚"))


def test_a_58mm_receipt_prints_on_its_own_roll_size(qapp, sample_ledger, tmp_path):
    pdf = pdf_of(sample_ledger.documents["receipt"], ROLL58)
    out = tmp_path / "printed.pdf"
    result = print_pdf(pdf, pdf_printer(out))
    assert result.ok and result.known and result.notes == ()
    printed = out.read_bytes()
    assert page_size_mm(printed) == pytest.approx(page_size_mm(pdf), abs=0.5)
    assert page_size_mm(printed)[0] == pytest.approx(58, abs=0.5)
    (tmp_path / "ours").mkdir()
    (tmp_path / "theirs").mkdir()
    (ours,) = png_pages(pdf, tmp_path / "ours", dpi=100)
    (theirs,) = png_pages(printed, tmp_path / "theirs", dpi=100)
    a = grey(ours).filter(ImageFilter.GaussianBlur(2))
    b = grey(theirs).resize(a.size).filter(ImageFilter.GaussianBlur(2))
    blank = Image.new("L", a.size, 255)
    # the same page through Qt's raster path: what differs is anti-aliasing, not a shifted or missing line
    assert ImageStat.Stat(ImageChops.difference(a, b)).mean[0] < 8
    assert (
        ImageStat.Stat(ImageChops.difference(a, blank)).mean[0]
        > 3 * ImageStat.Stat(ImageChops.difference(a, b)).mean[0]
    )


def test_every_page_of_a_long_document_is_printed(qapp, tmp_path):
    pdf = long_a5_pdf()
    out = tmp_path / "printed.pdf"
    assert print_pdf(pdf, pdf_printer(out)).ok
    assert pdf_pages(out.read_bytes()) == pdf_pages(pdf) >= 3


def test_a_missing_printer_is_a_calm_message_that_nothing_was_lost(qapp, sample_ledger):
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
    printer.setPrinterName("门口那台不存在的打印机")
    result = print_pdf(pdf_of(sample_ledger.documents["receipt"], ROLL58), printer)
    assert not result.ok and result.known and result.message == NO_PRINTER
    assert "办件已经保存好了" in result.message and "补打" in result.message


def test_a_printer_that_will_not_start_is_known_trouble(qapp, sample_ledger, tmp_path):
    printer = pdf_printer(tmp_path / "no-such-folder" / "printed.pdf")  # its device cannot be opened
    result = print_pdf(pdf_of(sample_ledger.documents["receipt"], ROLL58), printer)
    assert not result.ok and result.known and result.message == OFFLINE


def test_a_failure_nobody_expected_is_a_bug_with_a_report(qapp, sample_ledger, tmp_path, monkeypatch):
    monkeypatch.setattr(QPdfDocument, "render", lambda self, page, size: QImage())
    result = print_pdf(pdf_of(sample_ledger.documents["receipt"], ROLL58), pdf_printer(tmp_path / "x.pdf"))
    assert not result.ok and not result.known and result.message == BUG
    assert "could not be rendered" in result.report


def test_failures_are_sorted_into_known_and_bugs():
    assert classify(PrinterUnavailable(OFFLINE)).known
    assert classify(OSError(errno.ENOSPC, "No space left on device")).known
    assert "磁盘已满" in classify(OSError(errno.ENOSPC, "full")).message
    bug = classify(KeyError("page"))
    assert not bug.known and "KeyError" in bug.report


def test_the_nearest_supported_paper_is_chosen_when_a_roll_size_is_not_offered():
    a4, a5 = QPageSize(QPageSize.PageSizeId.A4), QPageSize(QPageSize.PageSizeId.A5)
    roll = QPageSize(QSizeF(80, 297), QPageSize.Unit.Millimeter, "80 x 297", QPageSize.SizeMatchPolicy.ExactMatch)
    assert nearest_page_size(58, 213, [a4, a5, roll]).name() == roll.name()  # the smallest it fits on
    assert nearest_page_size(140, 200, [a4, a5, roll]).id() == QPageSize.PageSizeId.A5
    assert nearest_page_size(80, 900, [a4, a5]).id() == QPageSize.PageSizeId.A4  # shrinks least


def test_save_as_pdf_keeps_the_exact_bytes_and_a_bad_folder_is_a_calm_message(sample_ledger, tmp_path):
    pdf = pdf_of(sample_ledger.documents["receipt"], ROLL58)
    saved = save_pdf(pdf, tmp_path / "回执.pdf")
    assert saved.ok and (tmp_path / "回执.pdf").read_bytes() == pdf
    failed = save_pdf(pdf, tmp_path / "missing" / "回执.pdf")
    assert not failed.ok and failed.known and "文件夹不存在" in failed.message
    assert list(tmp_path.glob(".printing-*")) == []
