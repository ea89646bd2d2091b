"""Handing a department's return mailing (部门回寄) to the villager at the counter, by keyboard only."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.services.handover import arrived
from desktop.services.overview import reminders
from desktop.store.sync_port import StoreSyncPort
from sync.wire import PullItem
from tests.desktop.printing.pdftools import pdf_text
from tests.desktop.ui.keyboard import KeyboardAgent
from tests.factories import make_case_draft

MAILING_ID = "0" * 31 + "1"


def _mailed_back(counter) -> None:
    materials = {m.code: "received" for m in counter.catalogue.by_code("FL015").guide.materials}
    case = counter.append(make_case_draft(item_code="FL015", amount=None, materials=materials))[0]
    payload = {
        "mailing_id": MAILING_ID,
        "case_id": case.body["case_id"],
        "receipt_no": case.body["receipt_no"],
        "unit_code": "scjg",
        "tracking_no": "EA123456785CN",
        "contents": "营业执照正本 1 份",
        "mailed_at": "2026-11-27T10:00:00.000+08:00",
    }
    item = PullItem(cursor=7, kind="return_mailing", created_at="2026-11-27T02:00:00Z", payload=payload)
    assert StoreSyncPort(counter.store).store_pulled([item], 7) == 1


def test_the_agent_marks_it_arrived_and_hands_it_to_a_family_member_by_keyboard(qtbot, window, counter, tmp_path):
    _mailed_back(counter)
    shots = Path(os.environ.get("SUISHENBAN_SHOTS") or tmp_path)  # set it to keep the screenshots to look at
    agent = KeyboardAgent(qtbot, window)
    agent.press(Qt.Key.Key_F4)
    page = window.pages["mailing"]
    agent.press(Qt.Key.Key_Tab)
    agent.press(Qt.Key.Key_Tab, page.new_button)
    agent.press(Qt.Key.Key_Tab, page.state)
    agent.press(Qt.Key.Key_Space, page.arrived_button, decision=True)
    confirm = page.dialog
    qtbot.waitUntil(lambda: confirm.isAncestorOf(QApplication.focusWidget()))
    agent.press(Qt.Key.Key_Return, confirm.ok, decision=True)
    qtbot.waitUntil(lambda: not confirm.isVisible())
    assert page.model.row(0).state_label == "已到代办点，待交群众"
    agent.focused(page.table)  # back in the list, the row still chosen
    agent.press(Qt.Key.Key_Return, page.table, decision=True)  # Enter on the row: its next step, 交给群众
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
    own, family = dialog.receiver.buttons()
    agent.press(Qt.Key.Key_Right, own, decision=True)  # 家属代领
    agent.press(Qt.Key.Key_Tab, family)
    agent.press(Qt.Key.Key_Return, dialog.name)  # no name yet: refused beside the field, nothing written
    assert dialog.isVisible() and dialog.fields["receiver_name"].error.text() == "家属代领要填写代领人的姓名。"
    assert page.model.row(0).state == "arrived" and page.printer.preparing is None  # Enter printed nothing either
    agent.type_chinese("王建国", 13, dialog.name)  # wang jian guo + a choice
    agent.press(Qt.Key.Key_Tab, dialog.name)
    agent.press(Qt.Key.Key_Space, dialog.signed, decision=True)  # the villager signed the printed 领取单
    assert dialog.signed.isChecked()
    assert dialog.grab().save(str(shots / "hand-over-dialog.png"))
    agent.press(Qt.Key.Key_Return, dialog.signed)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    row = page.model.row(0)
    assert row.state == "handed_over" and row.state_label == "已交群众 11-27（家属代领 王**）"
    agent.focused(page.table)
    assert window.grab().save(str(shots / "hand-over-done.png"))
    assert agent.keys <= 30, agent.summary()

    agent.press(Qt.Key.Key_Return, page.table)  # nothing more to do with it: no dialog, no second hand-over
    assert page.dialog is dialog and not page.hand_button.isEnabled() and page.pickup_button.isEnabled()


def test_the_pickup_slip_is_printed_from_the_hand_over_dialog_then_enter_saves(
    qtbot, window, counter, printed, tmp_path
):
    _mailed_back(counter)
    arrived(counter, MAILING_ID)
    waiting = "有 1 件部门回寄已到代办点、还没交给群众，请通知群众来取，交出后在“寄递”页点“交给群众”。"
    assert waiting in reminders(counter)  # the home screen reminds the agent while it waits at the point
    agent = KeyboardAgent(qtbot, window)
    agent.press(Qt.Key.Key_F4)
    page = window.pages["mailing"]
    agent.press(Qt.Key.Key_Tab)
    agent.press(Qt.Key.Key_Tab, page.new_button)
    agent.press(Qt.Key.Key_Tab, page.state)
    agent.press(Qt.Key.Key_Space, page.hand_button, decision=True)  # arrived already: 交给群众 is next
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
    own, _family = dialog.receiver.buttons()
    agent.press(Qt.Key.Key_Tab, own)
    agent.press(Qt.Key.Key_Tab, dialog.signed)
    agent.press(Qt.Key.Key_Space, dialog.slip_button, decision=True)  # 打印领取单, to be signed
    with qtbot.waitSignal(page.printer.preparing.finished, timeout=30_000):
        pass
    preview = page.printer.preview
    qtbot.waitExposed(preview)
    assert preview.windowTitle() == "打印预览：领取单"
    assert preview.grab().save(str(Path(os.environ.get("SUISHENBAN_SHOTS") or tmp_path) / "pickup-preview.png"))
    pdf = preview.pdf
    qtbot.keyClick(preview.print_button, Qt.Key.Key_Return)
    with qtbot.waitSignal(page.printer.last_job.finished, timeout=30_000):
        pass
    assert page.printer.last_result.ok and printed[0].read_bytes().startswith(b"%PDF")
    text = "".join(pdf_text(pdf).split())
    assert "部门回寄领取单" in text and "□群众本人□家属代领" in text  # filled in by hand, then signed
    agent.focused(dialog.slip_button)  # back in the dialog where it was
    agent.press(Qt.Key.Key_Tab, dialog.slip_button, Qt.KeyboardModifier.ShiftModifier)
    agent.press(Qt.Key.Key_Space, dialog.signed, decision=True)
    agent.press(Qt.Key.Key_Return, dialog.signed)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert page.model.row(0).state_label == "已交群众 11-27（本人领取）"
    assert waiting not in reminders(counter)
