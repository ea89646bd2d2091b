"""Starting the counter window: Qt is imported only here, fonts registered, login first, then the main window."""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from desktop.settings import Settings
from sync.ledger.events import china_now

log = logging.getLogger(__name__)


class Shell:
    """Owns the top-level windows: login (or activation on a new machine), then the main window; and in
    training mode the practice county, stopped by ``shutdown()``."""

    def __init__(
        self,
        folder: Path,
        *,
        training: bool,
        clock: Callable[[], datetime] = china_now,
        on_shown: Callable[[object], None] | None = None,
    ) -> None:
        self.folder, self.training, self.clock, self.on_shown = folder, training, clock, on_shown
        self.main = None
        self.activation = None
        self.sandboxes: list = []
        self.login = self._login_window(folder, training)

    def _login_window(self, folder: Path, training: bool):
        from desktop.ui.login import LoginWindow

        login = LoginWindow(folder, training=training, clock=self.clock)
        login.unlocked.connect(self.open_main)
        login.wants_training.connect(self.switch_to_training)
        login.wants_activation.connect(self.show_activation)
        login.sandbox_started.connect(self.sandboxes.append)
        return login

    def show(self) -> None:
        self.login.resize(1366, 768)
        self.login.show()
        log.info("login window shown (%s)", "training" if self.training else "ledger")
        if self.on_shown:
            self.on_shown(self.login)

    def switch_to_training(self) -> None:
        from desktop.paths import default_data_dir

        old = self.login
        self.training, self.folder = True, default_data_dir(training=True)
        self.login = self._login_window(self.folder, True)
        self.login.resize(old.size())
        self.login.show()
        old.close()

    def show_activation(self):
        from desktop.ui.activation import ActivationWindow

        self.activation = ActivationWindow(self.folder, clock=self.clock)
        self.activation.activated.connect(self.open_main)
        self.activation.back.connect(self._back_to_login)
        self.activation.resize(self.login.size())
        self.activation.show()
        self.login.hide()
        return self.activation

    def _back_to_login(self) -> None:
        self.login.show()
        self.activation.close()

    def open_main(self, counter) -> None:
        self.main = build_main_window(counter)
        self.main.resize(1366, 768)
        self.main.showMaximized()
        log.info("main window shown")
        self.login.close()
        if self.activation is not None:
            self.activation.close()

    def shutdown(self) -> None:
        """Stop the practice county (if training started one); the main window closes the ledger itself."""
        while self.sandboxes:
            self.sandboxes.pop().stop()


def build_main_window(counter, *, background: bool = True):
    """The main window with every built page; used by the app, the self-test and the screenshots.

    ``background`` starts the background work: the sync scheduler and, when the open left it due, the
    whole-file check (台账自检)."""
    from desktop.ui.main_window import MainWindow
    from desktop.ui.pages import page_factories

    window = MainWindow(counter, page_factories(counter))
    from desktop.services.clock_check import check_clock

    if message := counter.recovery_message() or check_clock(counter):
        window.messages.show_message(message, warning=True)
    if counter.locked:
        window.lock(counter.locked)
    if background:
        window.scheduler.start()  # a locked counter only asks whether the county took it back
    if background and counter.report is not None and counter.report.check_due:
        from desktop.ui.integrity import IntegrityCheck

        window.integrity = IntegrityCheck(counter, window.messages, window)
        window.integrity.start_later()
    return window


_QUIET = ("propagateSizeHints",)  # the offscreen platform's note on every window: not news
_EARLIER: deque[str] = deque(maxlen=5)


def _qt_message(mode, context, message: str) -> None:
    """Qt's own messages go to the log (known noise dropped); critical and fatal ones also reach the terminal
    (``desktop.logs``), and a fatal one ends the program with plain words (``desktop.display.fatal``) instead
    of Qt's silent abort."""
    from PySide6.QtCore import QtMsgType

    if mode == QtMsgType.QtFatalMsg:
        log.critical("qt fatal: %s", message)
        from desktop.display import fatal

        fatal("\n".join([*_EARLIER, message]))  # the warnings before it say which part failed
    _EARLIER.append(message)
    if not any(noise in message for noise in _QUIET):
        levels = {QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR}
        log.log(levels.get(mode, logging.INFO), "qt: %s", message)


def make_application(folder: Path | None, argv: list[str] | None = None):
    """The QApplication with the bundled fonts and the chosen text size; Qt is imported here, not at start."""
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from desktop.ui.theme import apply_theme

    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("乡村随身办")
    from desktop.ui.icon import app_icon

    app.setWindowIcon(app_icon())
    _chinese_qt(app)
    apply_theme(app, Settings.load(folder).text_points)
    return app


def _chinese_qt(app) -> None:
    """Qt's own words (the file dialog of 保存为 PDF, a text field's right-click menu) in Chinese."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    if translator.load(QLocale(), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    else:
        log.warning("Qt's Chinese translation is missing; Qt's own dialogs will be in English")


def run(folder: Path, *, training: bool, on_shown: Callable[[object], None] | None = None) -> int:
    """Open the login window and run until the agent closes the app."""
    from PySide6.QtCore import QThreadPool

    from desktop.store.layout import StoreLayout
    from desktop.ui.crash import install_excepthook

    app = make_application(folder)
    install_excepthook(StoreLayout(folder).logs)
    shell = Shell(folder, training=training, on_shown=on_shown)
    app.aboutToQuit.connect(shell.shutdown)
    shell.show()
    try:
        return app.exec()
    finally:
        QThreadPool.globalInstance().waitForDone(40_000)  # a sync run stops at its next batch
        app.sendPostedEvents()  # a practice county that finished starting meanwhile is handed over…
        shell.shutdown()  # …and stopped with the others
