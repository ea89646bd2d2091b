"""UI fixtures: the themed application (bundled fonts, standard text size) and a counter on a fresh store."""

from __future__ import annotations

from datetime import datetime

import pytest

from desktop.services.session import Counter
from desktop.settings import Settings
from sync.ledger.events import CHINA_TZ
from tests.factories import make_store

NOW = datetime(2026, 11, 27, 10, 30, tzinfo=CHINA_TZ)


@pytest.fixture(autouse=True)
def themed(qapp):
    from desktop.ui.theme import apply_theme

    apply_theme(qapp, 14)
    yield qapp


@pytest.fixture
def counter(tmp_path, catalogue):
    store = make_store(tmp_path / "data")
    made = Counter(store, catalogue, Settings(tmp_path / "data"), clock=lambda: NOW)
    yield made
    made.close()


@pytest.fixture
def window(qtbot, counter):
    from desktop.app import build_main_window

    win = build_main_window(counter)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def printed(tmp_path, monkeypatch):
    """Every print goes to a PDF-format printer; the list holds the files in order."""
    from PySide6.QtPrintSupport import QPrinter

    from desktop.ui import printing

    outputs: list = []

    def pdf_printer(_name):
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        outputs.append(tmp_path / f"printed-{len(outputs)}.pdf")
        printer.setOutputFileName(str(outputs[-1]))
        return printer

    monkeypatch.setattr(printing, "make_printer", pdf_printer)
    return outputs
