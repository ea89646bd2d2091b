"""The record page as the agent uses it: find the item by typing, fill in, save with one keystroke."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton

from sync.ledger.receipts import parse_receipt_no
from tests.desktop.ui.typing import type_text
from tests.factories import resident_id


def _record_page(window):
    return window.show_page("record")


def _pick(qtbot, page, typed: str):
    page.picker.search.clear()
    type_text(qtbot, page.picker.search, typed)
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Return)


def _fill_person(qtbot, page, name="王秀英", id_number=None, mobile="13979812345", village="瑶里村"):
    type_text(qtbot, page.applicant.name, name)
    type_text(qtbot, page.applicant.number, id_number or resident_id())
    type_text(qtbot, page.applicant.mobile, mobile)
    type_text(qtbot, page.applicant.village, village)


def _case_rows(counter):
    from desktop.services.cases import CaseFilter, CaseQueries

    return CaseQueries(counter.store, counter.catalogue).page(CaseFilter(), 0, 50)


def test_initials_find_the_item_and_ctrl_s_saves_a_payment(qtbot, window, counter):
    page = _record_page(window)
    _pick(qtbot, page, "jnhf")
    assert page.item.name == "缴纳话费"
    _fill_person(qtbot, page)
    type_text(qtbot, page.amount, "50")
    page.consent.setChecked(True)
    qtbot.keyClick(page.applicant.village, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.done
    receipt = page.done.receipt.text()
    assert parse_receipt_no(receipt).point_code == "0427"
    (row,) = _case_rows(counter)
    assert row.receipt_no == receipt and row.state == "recorded" and row.amount_fen == 5000
    assert row.id_masked.startswith("3602") and "*" in row.id_masked


def test_save_and_complete_records_both_in_one_go(qtbot, window, counter):
    page = _record_page(window)
    _pick(qtbot, page, "缴纳电费")
    _fill_person(qtbot, page)
    type_text(qtbot, page.amount, "86.50")
    type_text(qtbot, page.item_fields.fields["account_no"].editor, "3602220417")
    page.consent.setChecked(True)
    assert page.complete_button.isVisible()
    qtbot.mouseClick(page.complete_button, Qt.MouseButton.LeftButton)
    (row,) = _case_rows(counter)
    assert row.state == "completed" and row.amount_fen == 8650
    assert counter.store.head().seq == 2  # the case and its 办结, appended together


def test_an_online_item_found_by_pinyin(qtbot, window, counter):
    page = _record_page(window)
    _pick(qtbot, page, "yibaoka")
    assert page.item.name == "医保卡激活"
    assert not page.complete_button.isVisible() and not page.amount_field.isVisible()
    page.mode.buttons()[1].setChecked(True)  # 上户
    _fill_person(qtbot, page, name="𠮷田春花")
    page.materials.set_all("received")
    page.consent.setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    (row,) = _case_rows(counter)
    assert row.applicant == "𠮷田春花" and row.mode == "上户"  # Extension B kept byte for byte


def test_an_approval_item_with_a_missing_material_gives_the_one_time_notice(qtbot, window, counter):
    page = _record_page(window)
    _pick(qtbot, page, "gtgshsl")
    assert page.item.code == "FL015"
    _fill_person(qtbot, page, name="程建国")
    page.consent.setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "必需材料" in page.materials_error.text()  # every required material must be accounted for
    assert page.applicant.name.text() == "程建国"  # nothing typed is lost
    page.materials.set_all("received")
    page.findChild(QRadioButton, "missing_premises").setChecked(True)
    assert "经营场所使用证明" in page.notice.text()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.done
    assert "经营场所使用证明" in page.done.notice.text()
    (row,) = _case_rows(counter)
    assert row.state == "recorded"


def test_errors_show_beside_each_field_and_nothing_is_lost(qtbot, window, counter):
    page = _record_page(window)
    _pick(qtbot, page, "jnsf")
    type_text(qtbot, page.applicant.name, "王秀英")
    type_text(qtbot, page.applicant.number, "360222195603141234")  # wrong check digit
    assert "校验码" in page.applicant.fields["number"].error.text()  # checked as typed
    type_text(qtbot, page.amount, "12.345")
    qtbot.keyClick(page.amount, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentIndex() == 0
    assert "校验码" in page.applicant.fields["number"].error.text()
    assert "小数点后两位" in page.amount_field.error.text()
    assert "同意" in page.consent_error.text()
    assert page.applicant.number.text() == "360222195603141234" and page.amount.text() == "12.345"
    assert counter.store.head().seq == 0


def test_the_id_check_shows_the_birth_date_when_right(qtbot, window):
    page = _record_page(window)
    type_text(qtbot, page.applicant.number, resident_id())
    assert "1956年03月14日出生" in page.applicant.fields["number"].error.text()


def test_after_saving_enter_starts_the_next_case(qtbot, window, counter):
    page = _record_page(window)
    _pick(qtbot, page, "jnhf")
    _fill_person(qtbot, page)
    type_text(qtbot, page.amount, "20")
    page.consent.setChecked(True)
    page.save()
    qtbot.keyClick(page.done.again_button, Qt.Key.Key_Return)
    assert page.stack.currentIndex() == 0 and page.item is None and page.applicant.name.text() == ""


def test_most_used_items_come_first(qtbot, window, counter):
    from tests.factories import make_case_draft

    counter.append(*(make_case_draft(item_code="FL011", amount=None) for _ in range(3)))
    page = _record_page(window)
    page.picker.set_category("常用")
    assert [item.code for item in page.picker.items_shown()] == ["FL011"]
    page.picker.set_category("")
    assert page.picker.items_shown()[0].code == "FL011"


def test_the_keyboard_alone_records_a_case(qtbot, window, counter):
    """F2, type the initials, Enter, then Enter/Tab from field to field, Space for ticks, Ctrl+S."""
    qtbot.keyClick(window, Qt.Key.Key_F2)
    page = window.pages["record"]
    qtbot.keyClicks(page.picker.search, "jnsf")
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Return)
    assert page.item.name == "缴纳水费" and page.applicant.name.hasFocus()
    type_text(qtbot, page.applicant.name, "王秀英")
    qtbot.keyClick(page.applicant.name, Qt.Key.Key_Return)
    assert page.applicant.number.hasFocus()
    qtbot.keyClicks(page.applicant.number, resident_id())
    qtbot.keyClick(page.applicant.number, Qt.Key.Key_Return)
    qtbot.keyClicks(page.applicant.mobile, "13979812345")
    qtbot.keyClick(page.applicant.mobile, Qt.Key.Key_Return)
    type_text(qtbot, page.applicant.village, "瑶里村")
    qtbot.keyClick(page.applicant.village, Qt.Key.Key_Return)
    assert page.amount.hasFocus()
    qtbot.keyClicks(page.amount, "35.80")
    qtbot.keyClick(page.amount, Qt.Key.Key_Return)
    account = page.item_fields.fields["account_no"].editor  # the item's own field (用水户号) comes next
    assert account.hasFocus()
    qtbot.keyClicks(account, "3602220417")
    qtbot.keyClick(account, Qt.Key.Key_Return)
    assert page.all_received.hasFocus()
    qtbot.keyClick(page.all_received, Qt.Key.Key_Space)
    page.consent.setFocus()
    qtbot.keyClick(page.consent, Qt.Key.Key_Space)
    qtbot.keyClick(page.consent, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.done
    (row,) = _case_rows(counter)
    assert row.amount_fen == 3580 and row.item_name == "缴纳水费"


def test_the_case_records_how_long_its_form_was_open(qtbot, window, counter):
    """填表用时: from picking the item to saving, by a monotonic timer (setting the PC's clock does not change it);
    the county's fraud review reads it. A fresh form starts its own count."""
    page = _record_page(window)
    now = [1000.0]
    page.timer = lambda: now[0]
    _pick(qtbot, page, "jnhf")
    _fill_person(qtbot, page)
    type_text(qtbot, page.amount, "50")
    page.consent.setChecked(True)
    now[0] += 74.4
    page.save()
    page.start_over()
    now[0] += 600  # the form stood empty meanwhile: not counted
    _pick(qtbot, page, "jnhf")
    _fill_person(qtbot, page, id_number=resident_id(order=321))
    type_text(qtbot, page.amount, "20")
    page.consent.setChecked(True)
    now[0] += 9
    page.save()
    recorded = [e.body for e in counter.store.events() if e.type == "case.recorded"]
    assert [body["form_seconds"] for body in recorded] == [74, 9]
