"""The other screens as the agent uses them: mailing, guides, points, day close, settings, and the window itself."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.settings import Settings
from tests.desktop.ui.typing import type_text
from tests.factories import make_case_draft


def test_f_keys_open_every_page(qtbot, window):
    assert list(window.pages) == [
        "home",
        "record",
        "ledger",
        "mailing",
        "guides",
        "points",
        "dayclose",
        "sync",
        "settings",
        "consult",
    ]
    for n, key in zip((1, 2, 3, 4, 5, 6, 7, 8, 10, 11), window.pages):  # F9 prints the receipt on the record page
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_F{n}"))
        assert window.current_key() == key


def test_record_a_mailing_scan_its_tracking_number_and_mark_it_delivered(qtbot, window, counter):
    case = counter.append(
        make_case_draft(
            item_code="FL015",
            amount=None,
            materials={m.code: "received" for m in counter.catalogue.by_code("FL015").guide.materials},
        )
    )[0]
    page = window.show_page("mailing")
    dialog = page.start_new()
    assert not dialog.attempt()
    assert "收件部门" in dialog.fields["unit_code"].error.text()
    dialog.unit.setCurrentIndex(dialog.unit.findText("县市监局"))
    type_text(qtbot, dialog.editors["contents"], "个体工商户设立登记申请材料")
    type_text(qtbot, dialog.editors["receipts"], case.body["receipt_no"])
    assert dialog.attempt()
    assert page.model.rowCount() == 1 and page.model.row(0).cases == 1 and page.model.row(0).to == "县市监局"
    page.table.selectRow(0)
    dispatch = page.start_dispatch()
    type_text(qtbot, dispatch.tracking, "EA123456784CN")  # a wrong S10 check digit, as a misread scan
    qtbot.keyClick(dispatch.tracking, Qt.Key.Key_Return)
    assert "校验位" in dispatch.fields["tracking_no"].error.text()
    dispatch.tracking.clear()
    type_text(qtbot, dispatch.tracking, "EA123456785CN")
    qtbot.keyClick(dispatch.tracking, Qt.Key.Key_Return)
    assert page.model.row(0).state == "dispatched" and page.model.row(0).tracking_no == "EA123456785CN"
    page.table.selectRow(0)
    page.start_delivered().attempt()
    assert page.model.row(0).state_label == "已妥投"


def test_a_licence_mailed_back_needs_the_recipient(qtbot, window, counter):
    page = window.show_page("mailing")
    dialog = page.start_new()
    dialog.direction.buttons()[1].setChecked(True)
    type_text(qtbot, dialog.editors["contents"], "营业执照（正本）")
    assert not dialog.attempt()
    assert "收件人" in dialog.fields["recipient_name"].error.text()
    type_text(qtbot, dialog.editors["recipient_name"], "程建国")
    type_text(qtbot, dialog.editors["recipient_address"], "浮梁县瑶里村 12 号")
    assert dialog.attempt()
    assert page.model.row(0).to == "程**"


def test_every_guide_can_be_read(qtbot, window, counter):
    page = window.show_page("guides")
    codes = []
    for n in range(page.list.count()):
        item = page.list.item(n).data(Qt.ItemDataRole.UserRole)
        if item is not None:
            page.list.setCurrentRow(n)
            assert item.name in page.reader.toPlainText() and "办理时限" in page.reader.toPlainText()
            codes.append(item.code)
    assert codes == [
        item.code for c in counter.catalogue.categories() for item in counter.catalogue.items if item.category == c
    ]
    type_text(qtbot, page.search, "lszy")
    assert "临时占用城市道路" in page.reader.toPlainText()


def test_points_by_class_against_the_cap(qtbot, window, counter):
    from sync.ledger.forms import draft_complete

    for code in ("FL001", "FL011", "FL011"):
        case = counter.append(make_case_draft(item_code=code, amount="30" if code == "FL001" else None))[0]
        counter.append(draft_complete(case.body["case_id"]))
    page = window.show_page("points")
    assert page.month_bar.value() == 7 and page.month_bar.format() == "7 / 1000"
    assert "第四季度（估算）：7 分" in page.quarter_title.text()
    texts = [w.text() for w in page._class_labels]
    assert texts[texts.index("三类事项（每件 3 分）") + 1] == "6 分"


def test_close_the_day_backs_up_without_blocking(qtbot, window, counter):
    counter.append(make_case_draft())
    page = window.show_page("dayclose")
    assert "办件 1 件" in page.figures.text() and "今天还没有日结" in page.status.text()
    page.close_day()
    assert not page.close_button.isEnabled()  # the work runs in the background
    with qtbot.waitSignal(page.job.finished, timeout=20_000):
        pass
    assert "日结过" in page.status.text() and "再次日结" in page.close_button.text()
    assert "已备份" in window.messages.text()
    assert list((counter.folder / "backups").iterdir())


def test_switching_the_text_size_restyles_every_screen_and_is_kept(qtbot, window, counter):
    page = window.show_page("settings")
    before = window.pages["home"].fontInfo().pointSize()
    page.editors["text_size"].buttons()[2].setChecked(True)  # 特大
    assert QApplication.instance().font().pointSize() == 18 and before == 14
    assert Settings.load(counter.folder).get("text_size") == "xlarge"
    for key in window.pages:
        window.show_page(key)
    assert window.pages["ledger"].table.fontInfo().pointSize() == 18
    page.editors["text_size"].buttons()[0].setChecked(True)
    assert QApplication.instance().font().pointSize() == 14


def test_backup_now_from_settings(qtbot, window, counter):
    page = window.show_page("settings")
    page.backup_now()
    with qtbot.waitSignal(page.job.finished, timeout=20_000):
        pass
    assert "已备份" in page.backup_status.text()
    from desktop.version import app_version

    assert f"版本 {app_version()}；" in page.about.text() and app_version() != "0.0.0+source"  # installed: real one


def test_the_home_screen_counts_today_and_the_outbox(qtbot, window, counter):
    counter.append(make_case_draft(name="王秀英"))
    home = window.show_page("home")
    assert home.table.rowCount() == 1 and home.table.item(0, 2).text() == "王秀英"
    assert home.sync_line.text() == "待同步：1 条"
    assert window.sync_indicator.text() == "待同步 1 条，未连接县里，数据保存在本机"  # a ledger never activated
    assert "没有备份" in home.notices.text()
    qtbot.keyClick(home.job_buttons["record"], Qt.Key.Key_Return)
    assert window.current_key() == "record"


def test_training_without_its_practice_county_says_so_calmly_on_the_sync_page(qtbot, window, counter):
    from desktop.services.practice import OFFLINE_NOTE

    counter.training, counter.training_note = True, OFFLINE_NOTE
    page = window.show_page("sync")
    assert "练习数据只保存在本机" in page.headline.text()
    assert page.lines["note"][1].text() == OFFLINE_NOTE and not page.lines["note"][1].isHidden()
    assert not page.sync_button.isEnabled() and not page.export_button.isEnabled()
    assert not window.scheduler.sync_now()


def test_a_return_mailing_from_the_department_is_listed_to_hand_over(qtbot, window, counter):
    from desktop.store.sync_port import StoreSyncPort
    from sync.wire import PullItem

    materials = {m.code: "received" for m in counter.catalogue.by_code("FL015").guide.materials}
    case = counter.append(make_case_draft(item_code="FL015", amount=None, materials=materials))[0]
    payload = {
        "mailing_id": "0" * 31 + "1",
        "case_id": case.body["case_id"],
        "receipt_no": case.body["receipt_no"],
        "unit_code": "scjg",
        "tracking_no": "EA123456785CN",
        "contents": "营业执照正本 1 份",
        "mailed_at": "2026-11-27T10:00:00.000+08:00",
    }
    item = PullItem(cursor=7, kind="return_mailing", created_at="2026-11-27T02:00:00Z", payload=payload)
    assert StoreSyncPort(counter.store).store_pulled([item], 7) == 1
    page = window.show_page("mailing")
    page.refresh()
    row = page.model.row(0)
    assert (row.direction, row.to, row.tracking_no) == (
        "部门回寄（待交群众）",
        "县市监局寄来，交给群众",
        "EA123456785CN",
    )
    page.table.selectRow(0)
    # it came from the county: nothing to hand to the post or slip here
    assert not page.dispatch_button.isEnabled() and not page.delivered_button.isEnabled()
    assert not page.slip_button.isEnabled()
