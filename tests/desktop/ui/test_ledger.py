"""The ledger screen: search, the detail pane with its timeline, and the actions the lifecycle allows."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from desktop.services.case_detail import AUDIT_FILE
from sync.ledger.kinds import EventType
from tests.desktop.ui.typing import type_text
from tests.factories import make_case_draft, resident_id


def _seed(counter):
    payment = counter.append(make_case_draft(item_code="FL003", name="王秀英", mobile="13979812345"))[0]
    online = counter.append(
        make_case_draft(
            item_code="FL011",
            amount=None,
            name="李桂兰",
            id_number=resident_id(birth=__import__("datetime").date(1948, 6, 5)),
            mobile="13607981234",
        )
    )[0]
    licence = counter.catalogue.by_code("FL015")
    approval = counter.append(
        make_case_draft(
            item_code="FL015",
            amount=None,
            name="程建国",
            materials={m.code: "received" for m in licence.guide.materials},
        )
    )[0]
    return payment.body, online.body, approval.body


def _ledger(window):
    page = window.show_page("ledger")
    page.apply()
    return page


def _search(qtbot, page, text):
    page.search.clear()
    type_text(qtbot, page.search, text)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)


def test_search_by_receipt_name_last_four_and_full_id(qtbot, window, counter):
    payment, online, _approval = _seed(counter)
    page = _ledger(window)
    assert page.model.rowCount() == 3
    _search(qtbot, page, payment["receipt_no"].replace("-", ""))  # as scanned: digits only
    assert page.model.rowCount() == 1 and page.pane.detail.receipt_no == payment["receipt_no"]
    _search(qtbot, page, "李桂")
    assert [page.model.row(0).applicant] == ["李桂兰"] and page.model.rowCount() == 1
    _search(qtbot, page, "1234")  # the last four digits of a phone
    assert page.model.rowCount() == 1 and page.model.row(0).case_id == online["case_id"]
    _search(qtbot, page, resident_id().lower())  # a full ID, lowercase x and all
    assert page.model.rowCount() == 2
    _search(qtbot, page, "没有这个人")
    assert page.model.rowCount() == 0 and page.count_label.text() == "共 0 件"


def test_the_table_masks_numbers_and_the_pane_reveals_them_with_an_audit_line(qtbot, window, counter):
    payment, _online, _approval = _seed(counter)
    page = _ledger(window)
    _search(qtbot, page, payment["receipt_no"])
    row = page.model.row(0)
    assert row.mobile_masked == "139****2345" and "*" in row.id_masked
    pane = page.pane
    assert pane.values["mobile"][1].text() == "139****2345"
    dialog = pane.start_reveal()
    assert "查看记录" in dialog.findChildren(type(pane.title))[0].text()
    dialog.attempt()
    assert pane.values["mobile"][1].text() == "13979812345"
    assert pane.values["number"][1].text() == resident_id()
    (line,) = (counter.folder / "logs" / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    logged = json.loads(line)
    assert logged["receipt_no"] == payment["receipt_no"] and logged["fields"] == ["id_number", "mobile"]
    assert "13979812345" not in line and resident_id() not in line


def test_void_needs_a_reason_and_then_the_case_is_voided(qtbot, window, counter):
    payment, _online, _approval = _seed(counter)
    page = _ledger(window)
    _search(qtbot, page, payment["receipt_no"])
    dialog = page.pane.start_action(EventType.CASE_VOIDED)
    assert not dialog.attempt()
    assert "作废原因" in dialog.fields["reason"].error.text()
    type_text(qtbot, dialog.reason, "群众取消办理")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert page.model.row(0).state == "voided"
    assert "作废，原因：群众取消办理" in page.pane.timeline.text()
    assert EventType.CASE_VOIDED not in page.pane.detail.actions


def test_complete_an_online_case_and_its_points_show_on_the_home_screen(qtbot, window, counter):
    _payment, online, _approval = _seed(counter)
    page = _ledger(window)
    _search(qtbot, page, online["receipt_no"])
    assert EventType.MATERIALS_SENT not in page.pane.detail.actions
    page.pane.start_action(EventType.CASE_COMPLETED).attempt()
    assert page.model.row(0).state == "completed"
    home = window.show_page("home")
    assert home.points_bar.value() == 3  # 医保卡激活 is class 3


def test_correct_a_case_before_it_is_submitted(qtbot, window, counter):
    payment, _online, _approval = _seed(counter)
    page = _ledger(window)
    _search(qtbot, page, payment["receipt_no"])
    dialog = page.pane.start_action(EventType.CASE_AMENDED)
    assert not dialog.attempt()  # nothing changed yet
    assert "没有要更正的内容" in dialog.error.text()
    dialog.editors["amount_fen"].setText("abc")
    assert not dialog.attempt()
    assert "金额" in dialog.fields["amount_fen"].error.text()
    dialog.editors["amount_fen"].setText("96.50")
    dialog.editors["mobile"].setText("15179856789")
    assert dialog.attempt()
    assert page.pane.values["amount"][1].text() == "96.50"
    assert page.pane.values["mobile"][1].text() == "151****6789"
    assert "更正：金额" in page.pane.timeline.text()


def test_send_approval_materials_by_free_mailing(qtbot, window, counter):
    _payment, _online, approval = _seed(counter)
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    assert EventType.CASE_COMPLETED not in page.pane.detail.actions  # the department completes approvals
    dialog = page.pane.start_action(EventType.MATERIALS_SENT)
    assert dialog.unit.currentText() == "县市监局"
    assert dialog.attempt()
    assert page.model.row(0).state == "materials_sent"
    assert "材料已送交部门（免费寄递）" in page.pane.timeline.text()
    mailings = window.show_page("mailing") if "mailing" in window.pages else None
    if mailings is not None:
        assert mailings.model.rowCount() == 1


def test_filters_narrow_the_ledger(qtbot, window, counter):
    _seed(counter)
    page = _ledger(window)
    page.state.setCurrentIndex(page.state.findData("recorded"))
    assert page.model.rowCount() == 3
    page.item.setCurrentIndex(page.item.findData("FL015"))
    assert page.model.rowCount() == 1
    page.item.setCurrentIndex(0)
    page.mode.setCurrentIndex(page.mode.findData("home"))
    assert page.model.rowCount() == 0
    page.mode.setCurrentIndex(0)
    page.sync.setCurrentIndex(page.sync.findData("pending"))
    assert page.model.rowCount() == 3
    page.sync.setCurrentIndex(page.sync.findData("synced"))
    assert page.model.rowCount() == 0
    page.sync.setCurrentIndex(0)
    page.period.setCurrentIndex(page.period.findData("today"))
    assert page.model.rowCount() == 3  # the factory's cases are dated 2026-11-27, the pinned today
    page.period.setCurrentIndex(page.period.findData("last_month"))
    assert page.model.rowCount() == 0


def test_correct_a_top_up_number_the_operator_follows_and_the_pane_shows_it(qtbot, window, counter):
    (phone,) = counter.append(make_case_draft(item_code="FL001", name="王秀英", mobile="18607981234"))
    page = _ledger(window)
    _search(qtbot, page, phone.body["receipt_no"])
    dialog = page.pane.start_action(EventType.CASE_AMENDED)
    number, operator = dialog.own.editors["paid_mobile"], dialog.own.editors["operator"]
    assert "186****1234" in dialog.fields["paid_mobile"].title.text() and operator.currentText() == "中国联通"
    type_text(qtbot, number, "1397912")
    assert not dialog.attempt()  # too short: refused beside the field by the shared rule
    assert "手机号码" in dialog.fields["paid_mobile"].error.text()
    type_text(qtbot, number, "3456")
    assert operator.currentText() == "中国移动"  # followed the new number's prefix
    assert dialog.attempt()
    shown = page.pane.values["details"][1].text()
    assert "139****3456" in shown and "中国移动" in shown
    assert "更正：运营商、充值号码" in page.pane.timeline.text()
