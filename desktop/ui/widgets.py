"""Small building blocks shared by the screens: labels with a role, buttons, a field with its error beside it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.services.practice import BANNER


def label(text: str = "", role: str = "", *, wrap: bool = True, selectable: bool = False) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def button(text: str, role: str = "", *, name: str = "") -> QPushButton:
    widget = QPushButton(text)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setAutoDefault(True)  # Enter on a focused button presses it, as Space does
    return widget


def card(parent: QWidget | None = None) -> QFrame:
    frame = QFrame(parent)
    frame.setProperty("role", "card")
    return frame


def training_banner() -> QLabel:
    banner = label(BANNER, "banner")
    banner.setObjectName("trainingBanner")
    banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return banner


def restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class Field(QWidget):
    """A labelled input with its error message right beneath it, in plain words; typing clears the error."""

    def __init__(self, title: str, editor: QWidget, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setSpacing(2)
        self.title = label(title, wrap=False)
        self.title.setBuddy(editor)
        layout.addWidget(self.title)
        layout.addWidget(editor)
        # each label joins the layout (and so this widget) before it is shown or hidden: shown while it has no
        # parent, a label is a window of its own, and it takes the focus from the main window
        self.hint = label(hint, "muted")
        layout.addWidget(self.hint)
        self.hint.setVisible(bool(hint))
        self.error = label("", "error")
        layout.addWidget(self.error)
        self.error.hide()
        if isinstance(editor, QLineEdit):
            editor.textEdited.connect(lambda _text: self.set_error(""))

    def set_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.editor.setProperty("invalid", bool(message))
        restyle(self.editor)

    def set_ok(self, message: str) -> None:
        """A positive check result (e.g. the ID's birth date) shown in place of an error."""
        self.error.setText(message)
        self.error.setProperty("role", "ok" if message else "error")
        restyle(self.error)
        self.error.setVisible(bool(message))
        self.editor.setProperty("invalid", False)
        restyle(self.editor)
