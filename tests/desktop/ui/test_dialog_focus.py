"""Every dialog the ledger and mailing pages open, opened and closed by keyboard: the focus lands somewhere sensible.

Closed with Esc, the focus is back on the button that opened it; confirmed with Enter, on that button when it is
still there, else on the list the agent was working in (the ledger's or the mailing table).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from sync.ledger.kinds import EventType
from tests.desktop.ui.keyboard import describe
from tests.desktop.ui.test_ledger import _ledger, _search, _seed
from tests.factories import make_mailing_draft


@pytest.fixture
def active(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def _focus_is(qtbot, widget: QWidget) -> None:
    try:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=3_000)
    except Exception:
        raise AssertionError(f"focus on {describe(QApplication.focusWidget())}, not {describe(widget)}") from None


def _open_by_key(qtbot, opener: QWidget, find_dialog) -> QWidget:
    """Space on the focused button that opens it; the dialog comes up active."""
    opener.setFocus(Qt.FocusReason.TabFocusReason)  # where Tab would have brought the agent
    _focus_is(qtbot, opener)
    qtbot.keyClick(opener, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: find_dialog() is not None and find_dialog().isVisible(), timeout=30_000)
    dialog = find_dialog()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def _close_by_key(qtbot, dialog: QWidget, key: Qt.Key) -> None:
    qtbot.keyClick(QApplication.focusWidget() or dialog, key)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_ledger_dialogs_give_the_focus_back(qtbot, active, counter, printed):
    payment, online, approval = _seed(counter)
    page = _ledger(active)
    pane = page.pane
    _search(qtbot, page, online["receipt_no"])
    for event_type in (EventType.CASE_AMENDED, EventType.CASE_VOIDED, EventType.CASE_COMPLETED):
        opener = pane.action_buttons[event_type]
        dialog = _open_by_key(qtbot, opener, lambda: pane.dialog)
        _close_by_key(qtbot, dialog, Qt.Key.Key_Escape)
        _focus_is(qtbot, opener)

    dialog = _open_by_key(qtbot, pane.reveal_button, lambda: pane.dialog)
    _close_by_key(qtbot, dialog, Qt.Key.Key_Escape)
    _focus_is(qtbot, pane.reveal_button)
    dialog = _open_by_key(qtbot, pane.reveal_button, lambda: pane.dialog)
    _close_by_key(qtbot, dialog, Qt.Key.Key_Return)  # shown: the button goes, the focus goes to the list
    assert pane.reveal_button.isHidden()
    _focus_is(qtbot, page.table)

    dialog = _open_by_key(qtbot, pane.reprint_button, lambda: pane.printer.preview)
    _close_by_key(qtbot, dialog, Qt.Key.Key_Escape)
    _focus_is(qtbot, pane.reprint_button)

    completing = pane.action_buttons[EventType.CASE_COMPLETED]
    dialog = _open_by_key(qtbot, completing, lambda: pane.dialog)
    _close_by_key(qtbot, dialog, Qt.Key.Key_Return)  # 办结: the case can no longer be completed
    assert pane.detail.state.value == "completed" and completing.isHidden()
    _focus_is(qtbot, page.table)

    _search(qtbot, page, approval["receipt_no"])
    sending = pane.action_buttons[EventType.MATERIALS_SENT]
    dialog = _open_by_key(qtbot, sending, lambda: pane.dialog)
    _close_by_key(qtbot, dialog, Qt.Key.Key_Escape)
    _focus_is(qtbot, sending)

    _search(qtbot, page, payment["receipt_no"])
    amending = pane.action_buttons[EventType.CASE_AMENDED]
    dialog = _open_by_key(qtbot, amending, lambda: pane.dialog)
    dialog.editors["notes"].setText("已核对")
    qtbot.keyClick(dialog.editors["notes"], Qt.Key.Key_Return)  # Enter in a field saves the correction
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert pane.detail.notes == "已核对"
    _focus_is(qtbot, amending)  # still there: more corrections may follow


def test_mailing_dialogs_give_the_focus_back(qtbot, active, counter, printed):
    counter.append(make_mailing_draft())
    page = active.show_page("mailing")
    page.refresh()
    for opener in (page.new_button, page.dispatch_button, page.slip_button):
        find = (lambda: page.printer.preview) if opener is page.slip_button else (lambda: page.dialog)
        dialog = _open_by_key(qtbot, opener, find)
        _close_by_key(qtbot, dialog, Qt.Key.Key_Escape)
        _focus_is(qtbot, opener)

    dialog = _open_by_key(qtbot, page.dispatch_button, lambda: page.dialog)
    qtbot.keyClicks(dialog.tracking, "1180273958312")
    qtbot.keyClick(dialog.tracking, Qt.Key.Key_Return)  # scanned: the scanner's Enter saves
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert not page.dispatch_button.isEnabled()  # dispatched: the focus cannot stay on it
    _focus_is(qtbot, page.table)

    dialog = _open_by_key(qtbot, page.delivered_button, lambda: page.dialog)
    _close_by_key(qtbot, dialog, Qt.Key.Key_Escape)
    _focus_is(qtbot, page.delivered_button)


@pytest.mark.parametrize(("key", "opener"), [("dayclose", "sheet_button"), ("guides", "print_button")])
def test_print_previews_of_the_other_pages_give_the_focus_back(qtbot, active, counter, printed, key, opener):
    page = active.show_page(key)
    button = getattr(page, opener)
    dialog = _open_by_key(qtbot, button, lambda: page.printer.preview)
    _close_by_key(qtbot, dialog, Qt.Key.Key_Escape)
    _focus_is(qtbot, button)
