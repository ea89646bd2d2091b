"""Printing from the screens: the preview, then the printer or a saved PDF; straight printing when 设置 says so."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from desktop.ui import print_preview, printing
from desktop.ui.print_preview import page_pixmaps
from tests.desktop.printing.pdftools import pdf_pages, pdf_text
from tests.desktop.printing.test_qt_print import long_a5_pdf
from tests.desktop.ui.typing import type_text
from tests.factories import make_case_draft, resident_id


def _saved_page(qtbot, window):
    page = window.show_page("record")
    type_text(qtbot, page.picker.search, "jnhf")
    page.picker.pick_current()
    type_text(qtbot, page.applicant.name, "王秀英")
    type_text(qtbot, page.applicant.number, resident_id())
    type_text(qtbot, page.applicant.mobile, "13912345678")  # also the number topped up
    type_text(qtbot, page.amount, "50")
    page.consent.setChecked(True)
    assert page.save() is not None
    return page


@pytest.fixture
def straight(counter):
    """设置 → 打印前预览: 直接打印 (the print goes out without the preview)."""
    counter.settings.set("print_preview", "off")


def test_the_receipt_prints_to_the_chosen_printer(qtbot, window, printed, straight):
    page = _saved_page(qtbot, window)
    job = page.done.print_receipt()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert page.printer.last_result.ok and printed[0].read_bytes().startswith(b"%PDF")
    assert "回执" in window.messages.text()


def test_without_a_printer_the_message_is_calm_and_the_case_is_kept(qtbot, window, monkeypatch, straight):
    monkeypatch.setattr(printing, "make_printer", lambda _name: QPrinter())  # no printer installed
    page = _saved_page(qtbot, window)
    job = page.done.print_receipt()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert not page.printer.last_result.ok and page.printer.last_result.known
    assert "不会丢失" in window.messages.text()


def test_reprint_from_the_ledger(qtbot, window, counter, printed, straight):
    counter.append(make_case_draft())
    ledger = window.show_page("ledger")
    ledger.apply()
    job = ledger.pane.reprint()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert printed[0].read_bytes().startswith(b"%PDF") and ledger.pane.printer.last_result.ok


def test_the_mailing_slip_and_the_day_sheet_print(qtbot, window, counter, printed, straight):
    from tests.factories import make_mailing_draft

    counter.append(make_case_draft(), make_mailing_draft())
    mailing = window.show_page("mailing")
    job = mailing.print_slip()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    day = window.show_page("dayclose")
    job = day.print_sheet()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert all(path.read_bytes().startswith(b"%PDF") for path in printed) and len(printed) == 2


def test_a_guide_prints_for_the_villager(qtbot, window, tmp_path, printed, straight):
    import subprocess

    guides = window.show_page("guides")
    guides.show_item("FL015")
    job = guides.print_current()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    (out,) = printed
    assert guides.printer.last_result.ok and out.read_bytes().startswith(b"%PDF")
    assert "个体工商户设立登记办事指南" in window.messages.text()
    png = tmp_path / "guide"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(out), str(png)], check=True)
    assert list(tmp_path.glob("guide*.png"))  # the printed pages render


def _preview(qtbot, job):
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    dialog = job.parent().preview
    qtbot.waitExposed(dialog)
    return dialog


def test_f9_shows_the_receipt_as_it_will_print_then_enter_prints_it(qtbot, window, printed, tmp_path):

    page = _saved_page(qtbot, window)
    dialog = _preview(qtbot, page.done.print_receipt())
    assert dialog.windowTitle() == "打印预览：回执" and "80 毫米小票" in dialog.intro.text()
    assert len(dialog.pages) == pdf_pages(dialog.pdf) >= 1 and not printed  # nothing printed yet
    assert dialog.pages[0].width() > 300  # an 80 mm roll is shown at twice its size, so it reads
    assert dialog.grab().save(str(tmp_path / "print-preview-receipt.png"))
    assert [p.size() for p in page_pixmaps(dialog.pdf)] == [p.size() for p in dialog.pages]

    pdf = dialog.pdf
    qtbot.keyClick(dialog.print_button, Qt.Key.Key_Return)
    job = page.printer.last_job
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert page.printer.last_result.ok and page.printer.preview is None  # the preview closed
    assert printed[0].read_bytes().startswith(b"%PDF")
    assert "代缴凭条" in "".join(pdf_text(pdf).split())


def test_save_as_pdf_from_the_preview_keeps_the_document(qtbot, window, counter, printed, tmp_path, monkeypatch):
    chosen = tmp_path / "存档" / "日结单"
    chosen.parent.mkdir()
    asked = []
    monkeypatch.setattr(
        print_preview,
        "choose_pdf_path",
        lambda _parent, suggested: asked.append(suggested) or chosen.with_suffix(".pdf"),
    )
    day = window.show_page("dayclose")
    dialog = _preview(qtbot, day.print_sheet())
    pdf = dialog.pdf
    dialog.save_button.click()
    assert asked[0].name == "日结单-20261127-1030.pdf"  # the suggested name says what and when
    assert chosen.with_suffix(".pdf").read_bytes() == pdf and not printed
    assert "已保存为 PDF" in window.messages.text() and day.printer.last_result.ok


def test_closing_the_preview_prints_nothing(qtbot, window, counter, printed):
    counter.settings.set("paper", "roll58")
    guides = window.show_page("guides")
    guides.show_item("FL015")
    dialog = _preview(qtbot, guides.print_current())
    assert "58 毫米小票" in dialog.intro.text() and "个体工商户设立登记" in dialog.windowTitle()
    (roll,) = dialog.pages  # a roll is one long page
    assert roll.height() > 2 * roll.width()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert guides.printer.preview is None and not printed and guides.printer.last_job is None


def test_a_document_of_several_pages_shows_every_page(qtbot, window, printed):

    printer = window.show_page("dayclose").printer
    pdf = long_a5_pdf()
    dialog = printer.preview_pdf("日结单", pdf)
    qtbot.waitExposed(dialog)
    assert len(dialog.pages) == pdf_pages(pdf) >= 3 and f"共 {len(dialog.pages)} 页" in dialog.intro.text()
    dialog.print_button.click()
    with qtbot.waitSignal(printer.last_job.finished, timeout=30_000):
        pass
    assert pdf_pages(printed[0].read_bytes()) == len(dialog.pages)
