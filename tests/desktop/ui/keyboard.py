"""A keyboard-only agent for whole-window tests: every key goes to the focused widget, and each key is counted.

A step names the widget it expects to hold the focus; if another one (or none) has it, or it is not wholly on
screen (scrolled away, cut off by the window), the agent would need the mouse, and the step fails.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.desktop.ui.typing import type_text


def describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__}({widget.objectName() or text!r})"


def wholly_shown(widget: QWidget) -> bool:
    """Inside every ancestor up to its window (a scroll area's viewport included) and inside the window."""
    window = widget.window()
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    ancestor = widget.parentWidget()
    while ancestor is not None and not ancestor.isWindow():
        if not QRect(ancestor.mapTo(window, QPoint(0, 0)), ancestor.size()).contains(rect):
            return False
        ancestor = ancestor.parentWidget()
    return window.rect().contains(rect)


KEY_SECONDS, STEP_SECONDS = 0.3, 1.5  # the pace: per key, and per field filled or decision taken


class KeyboardAgent:
    """Counts keys, the fields typed into and the decisions marked; ``seconds`` is the time at the issue's pace."""

    def __init__(self, qtbot, window: QWidget) -> None:
        self.qtbot, self.window = qtbot, window
        self.reset()

    def reset(self) -> None:
        """A new journey: the counts start again (the log too)."""
        self.keys = 0
        self.fields: list[str] = []  # each widget typed into, once
        self.decisions = 0
        self.log: list[str] = []

    @property
    def seconds(self) -> float:
        return KEY_SECONDS * self.keys + STEP_SECONDS * (len(self.fields) + self.decisions)

    def summary(self) -> str:
        return (
            f"{self.keys} keys, {len(self.fields)} fields ({', '.join(self.fields)}) + {self.decisions} decisions"
            f" = {KEY_SECONDS} x {self.keys} + {STEP_SECONDS} x {len(self.fields) + self.decisions}"
            f" = {self.seconds:.1f} s"
        )

    def _typed_into(self, widget: QWidget) -> None:
        name = widget.objectName() or type(widget).__name__
        if name not in self.fields:
            self.fields.append(name)

    def focused(self, expect: QWidget | None = None) -> QWidget:
        """The widget that has the focus; it must be ``expect`` when given, and wholly visible."""
        self.qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
        widget = QApplication.focusWidget()
        if expect is not None:
            assert widget is expect, f"focus on {describe(widget)}, not {describe(expect)}: the mouse would be needed"
        try:  # once the screen has settled (a scroll bar that just appeared narrows the form a moment later)
            self.qtbot.waitUntil(lambda: widget.isVisible() and wholly_shown(widget), timeout=1_000)
        except TimeoutError:
            raise AssertionError(f"{describe(widget)} is not wholly on screen: the mouse would be needed") from None
        return widget

    def press(
        self,
        key: Qt.Key,
        expect: QWidget | None = None,
        modifier=Qt.KeyboardModifier.NoModifier,
        *,
        decision: bool = False,
    ) -> None:
        """One key (a chord such as Ctrl+S counts as one) on the focused widget; ``decision``: it settles a choice."""
        widget = self.focused(expect)
        self.log.append(f"{Qt.Key(key).name} on {describe(widget)}" + (" (decision)" if decision else ""))
        self.keys += 1
        self.decisions += decision
        self.qtbot.keyClick(widget, key, modifier)

    def type(self, text: str, expect: QWidget | None = None) -> None:
        """ASCII key by key, as a keyboard or a barcode scanner types it."""
        assert text.isascii()
        widget = self.focused(expect)
        self.log.append(f"{text!r} on {describe(widget)}")
        self.keys += len(text)
        self._typed_into(widget)
        self.qtbot.keyClicks(widget, text)

    def type_chinese(self, text: str, keys: int, expect: QWidget | None = None) -> None:
        """Chinese through the input method, counted as the keys it takes there (pinyin letters and a choice)."""
        widget = self.focused(expect)
        self.log.append(f"{text!r} ({keys} keys by input method) on {describe(widget)}")
        self.keys += keys
        self._typed_into(widget)
        type_text(self.qtbot, widget, text)
