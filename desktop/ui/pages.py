"""Which screens the main window has, in navigation order (F1, F2, …): only screens that are built."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QWidget

from desktop.services.session import Counter


def page_factories(counter: Counter) -> list[tuple[str, str, Callable[[QWidget], QWidget]]]:
    from desktop.ui.consult_page import ConsultPage
    from desktop.ui.dayclose_page import DayClosePage
    from desktop.ui.guides_page import GuidesPage
    from desktop.ui.home import HomePage
    from desktop.ui.ledger_page import LedgerPage
    from desktop.ui.mailing_page import MailingPage
    from desktop.ui.points_page import PointsPage
    from desktop.ui.record import RecordPage
    from desktop.ui.settings_page import SettingsPage
    from desktop.ui.sync_page import SyncPage
    from desktop.ui.theme import apply_theme

    def refresh_when_shown(window, page) -> None:
        for signal in (window.events.changed, window.events.synced):
            signal.connect(lambda: page.refresh() if page.isVisible() else None)

    def home(window):
        page = HomePage(counter)
        page.go.connect(lambda key: window.show_page(key) if key in window.pages else None)
        refresh_when_shown(window, page)
        return page

    def record(window):
        page = RecordPage(counter, window.messages)
        page.saved.connect(lambda _saved: window.events.changed.emit())
        page.go.connect(window.show_page)
        return page

    def ledger(window):
        page = LedgerPage(counter, window.messages)
        window.events.changed.connect(page.model_changed_elsewhere)
        window.events.synced.connect(page.county_updated)
        window.events.text_size_changed.connect(lambda _points: page._size_columns())
        window.events.setting_changed.connect(page.pane.evidence.setting_changed)
        return page

    def mailing(window):
        page = MailingPage(counter, window.messages)
        refresh_when_shown(window, page)
        return page

    def points(window):
        page = PointsPage(counter)
        refresh_when_shown(window, page)
        return page

    def dayclose(window):
        page = DayClosePage(counter, window.messages)
        page.closed.connect(window.events.day_closed)
        refresh_when_shown(window, page)
        return page

    def sync(window):
        page = SyncPage(counter, window.scheduler, window.messages)
        page.open_case.connect(lambda receipt_no: window.show_page("ledger").show_receipt(receipt_no))
        refresh_when_shown(window, page)
        return page

    def consult(window):
        page = ConsultPage(counter, window.messages)
        refresh_when_shown(window, page)
        return page

    def settings(window):
        def text_size(points: int) -> None:
            apply_theme(QApplication.instance(), points)
            window.events.text_size_changed.emit(points)

        page = SettingsPage(counter, window.messages, text_size)
        page.changed.connect(window.events.setting_changed)
        return page

    return [
        ("home", "今日", home),
        ("record", "新登记", record),
        ("ledger", "台账", ledger),
        ("mailing", "寄递", mailing),
        ("guides", "指南", lambda window: GuidesPage(counter, window.messages)),
        ("points", "积分", points),
        ("dayclose", "日结", dayclose),
        ("sync", "同步", sync),
        ("settings", "设置", settings),
        ("consult", "咨询", consult),
    ]
