"""Calm, non-modal messages under the page: what happened, whether anything was lost, what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.services.failures import KnownFailure, classify


class MessageBar(QFrame):
    """One line (wrapping) of news; info fades after a while, warnings stay until closed or replaced."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("知道了")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self, singleShot=True, timeout=self.hide)
        self.hide()

    def show_message(self, text: str, *, warning: bool = False, seconds: int = 12) -> None:
        self.setProperty("role", "notice-error" if warning else "notice")
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.show()
        if warning:
            self._timer.stop()
        else:
            self._timer.start(seconds * 1000)

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def show_failure(self, exc: BaseException, *, doing: str = "保存") -> bool:
        """A known failure is shown here (True); anything else is a bug and is raised on to the crash dialog."""
        known: KnownFailure | None = classify(exc, doing=doing)
        if known is None:
            return False
        self.show_message(known.message, warning=True)
        return True
