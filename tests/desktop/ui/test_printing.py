"""Printing from the screens: the receipt after a save and a reprint from the ledger, in the background."""

from __future__ import annotations

from PySide6.QtPrintSupport import QPrinter

from desktop.ui import printing
from tests.desktop.ui.typing import type_text
from tests.factories import make_case_draft, resident_id


def _saved_page(qtbot, window):
    page = window.show_page("record")
    type_text(qtbot, page.picker.search, "jnhf")
    page.picker.pick_current()
    type_text(qtbot, page.applicant.name, "王秀英")
    type_text(qtbot, page.applicant.number, resident_id())
    type_text(qtbot, page.amount, "50")
    page.consent.setChecked(True)
    assert page.save() is not None
    return page


def test_the_receipt_prints_to_the_chosen_printer(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "receipt.pdf"

    def pdf_printer(_name):
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    monkeypatch.setattr(printing, "make_printer", pdf_printer)
    page = _saved_page(qtbot, window)
    job = page.done.print_receipt()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert page.printer.last_result.ok and out.read_bytes().startswith(b"%PDF")
    assert "回执" in window.messages.text()


def test_without_a_printer_the_message_is_calm_and_the_case_is_kept(qtbot, window, monkeypatch):
    monkeypatch.setattr(printing, "make_printer", lambda _name: QPrinter())  # no printer installed
    page = _saved_page(qtbot, window)
    job = page.done.print_receipt()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert not page.printer.last_result.ok and page.printer.last_result.known
    assert "不会丢失" in window.messages.text()


def test_reprint_from_the_ledger(qtbot, window, counter, tmp_path, monkeypatch):
    out = tmp_path / "again.pdf"

    def pdf_printer(_name):
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    monkeypatch.setattr(printing, "make_printer", pdf_printer)
    counter.append(make_case_draft())
    ledger = window.show_page("ledger")
    ledger.apply()
    job = ledger.pane.reprint()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert out.exists() and ledger.pane.printer.last_result.ok


def test_the_mailing_slip_and_the_day_sheet_print(qtbot, window, counter, tmp_path, monkeypatch):
    from tests.factories import make_mailing_draft

    outputs = []

    def pdf_printer(_name):
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        outputs.append(tmp_path / f"out-{len(outputs)}.pdf")
        printer.setOutputFileName(str(outputs[-1]))
        return printer

    monkeypatch.setattr(printing, "make_printer", pdf_printer)
    counter.append(make_case_draft(), make_mailing_draft())
    mailing = window.show_page("mailing")
    job = mailing.print_slip()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    day = window.show_page("dayclose")
    job = day.print_sheet()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert all(path.read_bytes().startswith(b"%PDF") for path in outputs) and len(outputs) == 2


def test_a_guide_prints_for_the_villager(qtbot, window, tmp_path, monkeypatch):
    import subprocess

    out = tmp_path / "guide.pdf"

    def pdf_printer(_name):
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    monkeypatch.setattr(printing, "make_printer", pdf_printer)
    guides = window.show_page("guides")
    guides.show_item("FL015")
    job = guides.print_current()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert guides.printer.last_result.ok and out.read_bytes().startswith(b"%PDF")
    assert "个体工商户设立登记办事指南" in window.messages.text()
    png = tmp_path / "guide"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(out), str(png)], check=True)
    assert list(tmp_path.glob("guide*.png"))  # the printed pages render
