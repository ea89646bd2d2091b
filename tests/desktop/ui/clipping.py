"""Finding text that does not fit its widget: labels, hints (placeholders), buttons, ticks, at the size shown."""

from __future__ import annotations

from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionFrame,
    QWidget,
)

SLACK_PX = 1  # rounding between font metrics and layout


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _name(widget: QWidget, text: str) -> str:
    return f"{type(widget).__name__}({widget.objectName() or '-'}) “{text[:40]}”"


def label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()) or GuiQt.mightBeRichText(text):
        return None
    room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(), -label.margin())
    if label.wordWrap():
        needed = label.heightForWidth(label.width())
        if needed > label.height() + SLACK_PX:
            return f"{_name(label, text)}: wrapped, needs {needed} px high, has {label.height()}"
        return None
    widest = max(label.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))
    if widest > room.width() + SLACK_PX:
        return f"{_name(label, text)}: needs {widest} px wide, has {room.width()}"
    return None


def button_problem(button: QAbstractButton) -> str | None:
    text = _plain(button.text())
    if not text:
        return None
    if isinstance(button, (QCheckBox, QRadioButton)):
        needed = button.sizeHint().width()
        if needed > button.width() + SLACK_PX:
            return f"{_name(button, text)}: needs {needed} px wide, has {button.width()}"
        return None
    if not isinstance(button, QPushButton):
        return None
    option = QStyleOptionButton()
    button.initStyleOption(option)
    room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button)
    needed = button.fontMetrics().horizontalAdvance(text)
    if not button.icon().isNull():
        needed += button.iconSize().width() + 4
    if needed > room.width() + SLACK_PX and button.width() < button.sizeHint().width():
        return f"{_name(button, text)}: needs {needed} px wide, has {room.width()}"
    return None


def line_edit_problem(edit: QLineEdit) -> str | None:
    """The hint (placeholder) must show whole when the field is empty (checked with text typed in, too)."""
    text = edit.placeholderText()
    if not text:
        return None
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    room = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    width = room.width() - margins.left() - margins.right() - 4  # QLineEdit's own 2 px each side
    if edit.isClearButtonEnabled():
        width -= room.height()  # the clear button's room, kept even while it is hidden
    needed = edit.fontMetrics().horizontalAdvance(text)
    if needed > width + SLACK_PX:
        return f"{_name(edit, text)}: hint needs {needed} px wide, has {width}"
    return None


def clipped(window: QWidget) -> list[str]:
    """Every visible label, hint, button and tick in the window whose text does not fit."""
    found = []
    for widget in [window, *window.findChildren(QWidget)]:
        if not widget.isVisible() or widget.window() is not window:
            continue
        if isinstance(widget, QLabel):
            problem = label_problem(widget)
        elif isinstance(widget, QAbstractButton):
            problem = button_problem(widget)
        elif isinstance(widget, QLineEdit):
            problem = line_edit_problem(widget)
        else:
            problem = None
        if problem:
            found.append(problem)
    return found


__all__ = ["clipped"]
