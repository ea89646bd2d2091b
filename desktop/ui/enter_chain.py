"""Enter walks a form's required fields top to bottom; optional ones (marked so) are skipped, Tab still reaches them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QScrollArea, QWidget

OPTIONAL = "optional"
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def mark_optional(widget: QWidget, optional: bool = True) -> QWidget:
    """An optional field (可不填) is left out of the Enter chain; Tab and the mouse still reach it."""
    widget.setProperty(OPTIONAL, optional)
    return widget


def is_optional(widget: QWidget) -> bool:
    return bool(widget.property(OPTIONAL))


class EnterChain(QObject):
    """Watches the widgets of a form. Enter in a field moves to the next required one that is shown and enabled;
    a push button keeps its own Enter (it presses it); Enter on the last one calls ``at_end``.

    ``chain`` is asked afresh on each Enter, so fields an item adds or hides are taken as they are at that moment.
    """

    def __init__(
        self,
        host: QWidget,
        chain: Callable[[], list[QWidget]],
        at_end: Callable[[], None],
        scroll: QScrollArea | None = None,
    ) -> None:
        super().__init__(host)
        self.host, self.chain, self.at_end, self.scroll = host, chain, at_end, scroll

    def watch(self, widgets: list[QWidget]) -> None:
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or event.key() not in ENTER_KEYS:
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False  # Ctrl+Enter and the like are shortcuts, not a step
        if isinstance(watched, QPlainTextEdit) or (isinstance(watched, QPushButton) and watched.autoDefault()):
            return False  # a new line in 备注; Enter presses a focused button
        if isinstance(watched, QWidget) and watched.isEnabled():
            self.advance(watched)
            return True
        return False

    def available(self, widget: QWidget) -> bool:
        return widget.isVisibleTo(self.host) and widget.isEnabled() and not is_optional(widget)

    def next_after(self, current: QWidget) -> QWidget | None:
        chain = self.chain()
        start = chain.index(current) + 1 if current in chain else 0
        return next((widget for widget in chain[start:] if self.available(widget)), None)

    def advance(self, current: QWidget) -> None:
        target = self.next_after(current)
        if target is None:
            self.at_end()
            return
        self.focus(target)

    def focus(self, widget: QWidget) -> None:
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        if self.scroll is not None and self.scroll.widget() is not None and self.scroll.widget().isAncestorOf(widget):
            self.scroll.ensureWidgetVisible(widget)
