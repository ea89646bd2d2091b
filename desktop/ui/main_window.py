"""The counter's main window: a training banner, the navigation with F-key shortcuts, the pages, calm messages."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.services.overview import unsynced
from desktop.services.session import Counter
from desktop.ui.messages import MessageBar
from desktop.ui.widgets import button, label, training_banner

WEEKDAYS = "一二三四五六日"


class CounterEvents(QObject):
    """Screens say here that the ledger changed (or the text size), so the others refresh."""

    changed = Signal()
    text_size_changed = Signal(int)


class MainWindow(QMainWindow):
    """Pages are added by ``desktop.ui.pages.build_pages``: a screen that isn't built isn't in the navigation."""

    def __init__(self, counter: Counter, page_factories: list[tuple[str, str, Callable]], *,
                 events: CounterEvents | None = None) -> None:
        super().__init__()
        self.counter = counter
        self.events = events or CounterEvents(self)
        who = counter.identity.point_name or f"代办点 {counter.identity.point_code}"
        self.setWindowTitle(f"乡村随身办 · {who}" + ("（培训模式）" if counter.training else ""))
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        if counter.training:
            outer.addWidget(training_banner())
        header = QHBoxLayout()
        header.setContentsMargins(16, 6, 16, 6)
        self.point_label = label(who, "heading", wrap=False)
        self.day_label = label("", wrap=False)
        self.sync_label = label("", wrap=False)
        self.sync_label.setObjectName("syncLabel")
        header.addWidget(self.point_label)
        header.addStretch(1)
        header.addWidget(self.sync_label)
        header.addSpacing(24)
        header.addWidget(self.day_label)
        outer.addLayout(header)
        body = QHBoxLayout()
        body.setSpacing(0)
        self.nav = QWidget()
        self.nav.setProperty("role", "nav-bar")
        nav_layout = QVBoxLayout(self.nav)
        nav_layout.setContentsMargins(0, 8, 0, 8)
        nav_layout.setSpacing(2)
        self.stack = QStackedWidget()
        self.messages = MessageBar()
        self.group = QButtonGroup(self)
        self.pages: dict[str, QWidget] = {}
        self.nav_buttons: dict[str, object] = {}
        for index, (key, title, factory) in enumerate(page_factories):
            page = factory(self)
            self.pages[key] = page
            self.stack.addWidget(page)
            shortcut = f"F{index + 1}"
            nav = button(f"{title}\u2003{shortcut}", "nav", name=f"nav_{key}")
            nav.setCheckable(True)
            nav.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.group.addButton(nav, index)
            nav_layout.addWidget(nav)
            self.nav_buttons[key] = nav
            QShortcut(QKeySequence(shortcut), self, activated=lambda k=key: self.show_page(k))
            nav.clicked.connect(lambda _checked=False, k=key: self.show_page(k))
        nav_layout.addStretch(1)
        body.addWidget(self.nav)
        content = QVBoxLayout()
        content.setContentsMargins(16, 8, 16, 8)
        content.addWidget(self.stack, 1)
        content.addWidget(self.messages)
        body.addLayout(content, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(root)
        self.events.changed.connect(self.refresh_header)
        self.refresh_header()
        if page_factories:
            self.show_page(page_factories[0][0])

    def show_page(self, key: str) -> QWidget:
        page = self.pages[key]
        self.nav_buttons[key].setChecked(True)
        self.stack.setCurrentWidget(page)
        self.refresh_header()
        if hasattr(page, "refresh"):
            page.refresh()
        if hasattr(page, "focus_first"):
            page.focus_first()
        else:
            self.nav_buttons[key].setFocus()
        return page

    def current_key(self) -> str:
        return next(key for key, page in self.pages.items() if page is self.stack.currentWidget())

    def refresh_header(self) -> None:
        today = self.counter.now()
        self.day_label.setText(f"{today:%Y年%m月%d日} 星期{WEEKDAYS[today.weekday()]}")
        waiting = unsynced(self.counter)
        self.sync_label.setText(f"待同步 {waiting} 条" if waiting else "记录都已同步")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.counter.close()
        super().closeEvent(event)
