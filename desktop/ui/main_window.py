"""The counter's main window: a training banner, the navigation with F-keys, the pages, calm messages, sync status."""

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

from desktop.jobs.sync import SyncScheduler
from desktop.services.session import Counter
from desktop.services.sync_view import indicator_text, sync_state
from desktop.services.syncing import SyncOutcome
from desktop.ui.messages import MessageBar
from desktop.ui.printing import warm_printing
from desktop.ui.widgets import button, label, training_banner

WEEKDAYS = "一二三四五六日"
RESTORED = (
    "县里已恢复这台电脑的使用，可以继续登记了。本机台账完好，没有丢失记录；"
    "停用期间等待上传的记录会接着上传，县里已收到的不会重复。"
)
NAV_KEYS = ("F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F10", "F11", "F12")  # F9 prints on the record page


class CounterEvents(QObject):
    """Screens say here that the ledger changed (or the text size); sync says what it brought; others refresh."""

    changed = Signal()
    synced = Signal()  # a sync run sent or received something: statuses, rejections, notices may be new
    day_closed = Signal()
    text_size_changed = Signal(int)
    setting_changed = Signal(str)  # the key of a setting just saved on the settings page


class MainWindow(QMainWindow):
    """The main window: navigation, header, messages and the pages it is given.

    The pages come from ``desktop.ui.pages.page_factories`` (one factory per page); the window builds what it
    is handed, so a test can build only the page it tests. A page that isn't built isn't in the navigation.
    """

    def __init__(
        self,
        counter: Counter,
        page_factories: list[tuple[str, str, Callable]],
        *,
        events: CounterEvents | None = None,
        scheduler: SyncScheduler | None = None,
    ) -> None:
        super().__init__()
        self.counter = counter
        self.events = events or CounterEvents(self)
        self.scheduler = scheduler or SyncScheduler(counter, parent=self)
        self.lock_view = None
        self._closed = False
        self.shortcuts: list[QShortcut] = []
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
        header.addWidget(self.point_label)
        header.addStretch(1)
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
            shortcut = NAV_KEYS[index]
            nav = button(f"{title}\u2003{shortcut}", "nav", name=f"nav_{key}")
            nav.setCheckable(True)
            nav.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.group.addButton(nav, index)
            nav_layout.addWidget(nav)
            self.nav_buttons[key] = nav
            self.shortcuts.append(QShortcut(QKeySequence(shortcut), self, activated=lambda k=key: self.show_page(k)))
            nav.clicked.connect(lambda _checked=False, k=key: self.show_page(k))
        nav_layout.addStretch(1)
        body.addWidget(self.nav)
        content = QVBoxLayout()
        content.setContentsMargins(16, 8, 16, 8)
        content.addWidget(self.stack, 1)
        content.addWidget(self.messages)
        body.addLayout(content, 1)
        outer.addLayout(body, 1)
        self.root = QStackedWidget()
        self.root.addWidget(root)
        self.setCentralWidget(self.root)
        self.sync_caption = label("同步：", "muted", wrap=False)
        self.sync_indicator = label("", wrap=False)
        self.sync_indicator.setObjectName("syncIndicator")
        self.statusBar().setSizeGripEnabled(False)
        self.statusBar().addPermanentWidget(self.sync_caption)
        self.statusBar().addPermanentWidget(self.sync_indicator)
        self.events.changed.connect(self.refresh_header)
        self.events.changed.connect(self.scheduler.ledger_changed)
        self.events.day_closed.connect(self.scheduler.day_closed)
        self.scheduler.changed.connect(self.refresh_status)
        self.scheduler.finished.connect(self._synced)
        self.scheduler.locked.connect(self.lock)
        self.scheduler.restored.connect(self.unlock)
        self.scheduler.standing_checked.connect(self._standing_checked)
        self.refresh_header()
        warm_printing()
        if page_factories:
            self.show_page(page_factories[0][0])

    def show_page(self, key: str) -> QWidget:
        page = self.pages[key]
        if self.is_locked:
            return page
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
        self.refresh_status()

    def refresh_status(self) -> None:
        """The status bar's sync indicator, on every screen."""
        if self._closed:
            return
        state = sync_state(self.counter)
        running = self.scheduler.running and (not self.scheduler.quiet or state.pending > 0)
        self.sync_indicator.setText(indicator_text(state, running=running, offline=self.scheduler.offline))

    def _synced(self, outcome: SyncOutcome) -> None:
        if self._closed:
            return
        report = outcome.report
        if report is not None and (report.pushed or report.pulled or outcome.resent):
            self.events.synced.emit()
        if outcome.new_catalogue:
            self.messages.show_message(f"县里发布了新版事项清单（{outcome.new_catalogue} 版），下次登录时启用。")
        self.refresh_status()

    def lock(self, message: str) -> None:
        """The county stopped this counter: a full-window explanation, no page and no shortcut left to record with."""
        from desktop.ui.lock_view import LockedView

        self.counter.locked = message or self.counter.locked or "县里已停用这台电脑。"
        if self.lock_view is None:
            self.lock_view = LockedView(self.counter.locked, counter=self.counter)
            self.lock_view.close_app.connect(self.close)
            self.lock_view.check_again.connect(self.check_standing)
            self.root.addWidget(self.lock_view)
        self.lock_view.set_message(self.counter.locked)
        for shortcut in self.shortcuts:
            shortcut.setEnabled(False)
        self.root.setCurrentWidget(self.lock_view)
        self.root.widget(0).setEnabled(False)
        self.lock_view.focus_first()
        self.refresh_status()

    def check_standing(self) -> None:
        """The agent asks whether the county took this counter back (an answer comes by ``standing_checked``)."""
        if self.scheduler.check_standing() and self.lock_view is not None:
            self.lock_view.checking()

    def _standing_checked(self, check) -> None:
        if self.lock_view is not None and not check.restored and not self._closed:
            self.lock_view.show_check(check, self.counter.now())

    def unlock(self) -> None:
        """The county reinstated this counter (恢复): the pages and F-keys are back, with a calm word why."""
        if self._closed or not self.is_locked:
            return
        for shortcut in self.shortcuts:
            shortcut.setEnabled(True)
        self.root.widget(0).setEnabled(True)
        self.root.setCurrentWidget(self.root.widget(0))
        self.messages.show_message(RESTORED, seconds=60)
        self.show_page(self.current_key())
        self.refresh_status()

    @property
    def is_locked(self) -> bool:
        return self.lock_view is not None and self.root.currentWidget() is self.lock_view

    def closeEvent(self, event) -> None:
        self.scheduler.shutdown()
        self._closed = True
        self.counter.close()
        super().closeEvent(event)
