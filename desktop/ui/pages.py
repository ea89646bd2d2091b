"""Which screens the main window has, in navigation order (F1, F2, …): only screens that are built."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from desktop.services.session import Counter


def page_factories(counter: Counter) -> list[tuple[str, str, Callable[[QWidget], QWidget]]]:
    from desktop.ui.home import HomePage
    from desktop.ui.ledger_page import LedgerPage
    from desktop.ui.record import RecordPage

    def home(window):
        page = HomePage(counter)
        page.go.connect(lambda key: window.show_page(key) if key in window.pages else None)
        window.events.changed.connect(lambda: page.refresh() if page.isVisible() else None)
        return page

    def record(window):
        page = RecordPage(counter, window.messages)
        page.saved.connect(lambda _saved: window.events.changed.emit())
        page.go.connect(window.show_page)
        return page

    def ledger(window):
        page = LedgerPage(counter, window.messages)
        window.events.changed.connect(lambda: page.model_changed_elsewhere())
        return page

    return [("home", "今日", home), ("record", "新登记", record), ("ledger", "台账", ledger)]
