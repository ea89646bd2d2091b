"""The sync page and the status bar against the real county endpoint on loopback: progress, results, rejections."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from county.services import admin, departments
from county.services.notices import publish_notice
from desktop.app import build_main_window
from desktop.services.login import unlock_counter
from desktop.services.session import CounterLocked
from sync.ledger.forms import draft_complete, draft_materials_sent
from tests.county.conftest import county, county_engine, county_limits, evidence_backend  # noqa: F401 - fixtures
from tests.desktop.ui.county_window import activated_counter, county_window, sync
from tests.factories import PASSWORD, make_case_draft

pytestmark = pytest.mark.date_sensitive

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


@pytest.fixture
def point(county, tmp_path, catalogue):
    """(counter, the county's setup of its point and account)"""
    made, setup = activated_counter(county, tmp_path / "data", catalogue)
    yield made, setup
    made.close()


@pytest.fixture
def counter(point):
    return point[0]


def set_status(county, counter, receipt_no: str, *steps: tuple[str, str]) -> None:
    """What the department does in the county console (受理, 办结, 退回 with a note)."""
    with county.session() as session:
        found = departments.find_case(session, counter.identity.point_code, receipt_no)
        for status, note in steps:
            departments.set_case_status(session, found, status, note, actor="县市监局")
        session.commit()


def test_a_sync_shows_its_progress_then_what_went_up(qtbot, county, counter):
    for _ in range(9):  # 450 records: three batches of at most 200
        counter.store.append(*(make_case_draft(counter.catalogue) for _ in range(50)))
    window = county_window(qtbot, counter)
    page = window.show_page("sync")
    assert window.sync_indicator.text() == "待同步 450 条"
    assert "450 条记录等待上传" in page.headline.text() and "还没有同步过" in page.lines["success"][1].text()
    seen, bar = [], []
    window.scheduler.changed.connect(lambda: seen.append(window.sync_indicator.text()))
    window.scheduler.progress.connect(lambda done, total: bar.append((page.bar.value(), page.bar.maximum())))
    outcome = sync(qtbot, window, press=True)
    assert outcome.ok and outcome.report.accepted == 450
    assert seen[0] == "同步中…" and bar == [(200, 450), (400, 450), (450, 450)]
    assert page.bar.format() == "同步完成" and page.headline.text() == "记录都已同步到县里。"
    assert "刚刚" in page.lines["success"][1].text() and page.lines["error"][1].isHidden()
    assert window.sync_indicator.text() == "已同步"
    assert "上传 450 条记录" in window.messages.text()
    assert page.rejected_title.text() == "没有被县里退回的记录。" and page.table.isHidden()


def test_a_record_the_county_refuses_is_listed_with_its_reason_and_what_to_do(qtbot, county, counter):
    (online,) = counter.append(make_case_draft(counter.catalogue, item_code="FL011", amount=None))
    receipt = online.body["receipt_no"]
    window = county_window(qtbot, counter)
    assert sync(qtbot, window).ok
    # The department returns it at the county while the agent, offline, marks it done at the counter.
    set_status(county, counter, receipt, ("returned", "身份证照片看不清，请重新拍照"))
    counter.append(draft_complete(online.body["case_id"]))
    outcome = sync(qtbot, window, press=True)
    assert outcome.ok and outcome.report.rejected == 1
    page = window.pages["sync"]
    assert page.rejected_title.text() == "被县里退回的记录（1 条）"
    cells = [page.table.item(0, column).text() for column in range(4)]
    assert cells[0] == receipt and cells[1] == "医保卡激活" and cells[2].startswith("办结")
    assert "退回" in cells[3]  # the county's own words: the case was returned, it cannot be completed
    assert "县里的状态继续办理" in page.advice.text() and "乡镇" in page.advice.text()
    assert window.sync_indicator.text() == "有 1 条被退回"
    assert "1 条被县里退回" in window.messages.text()
    page.to_ledger.click()
    ledger = window.pages["ledger"]
    assert window.current_key() == "ledger" and ledger.model.rowCount() == 1
    timeline = ledger.pane.timeline.text()
    assert "被县里退回" in timeline and "部门更新状态为“已退回”：身份证照片看不清" in timeline
    assert "没有采用" in timeline  # the county's status came after the local 办结: kept and shown, not applied


def test_department_statuses_notices_and_the_points_statement_reach_the_screens(qtbot, county, counter):
    licence = counter.catalogue.by_code("FL015")
    (case,) = counter.append(
        make_case_draft(
            counter.catalogue,
            item_code="FL015",
            amount=None,
            materials={m.code: "received" for m in licence.guide.materials},
        )
    )
    counter.append(draft_materials_sent(case.body["case_id"]))
    (paid,) = counter.append(make_case_draft(counter.catalogue, item_code="FL003", amount="86.50"))
    counter.append(draft_complete(paid.body["case_id"]))
    window = county_window(qtbot, counter)
    ledger = window.show_page("ledger")
    ledger.apply()
    assert ledger.model.row(1).state_label == "材料已送交" and not ledger.model.row(1).synced
    assert sync(qtbot, window).ok
    assert ledger.model.row(1).synced  # refreshed in place after the sync
    set_status(county, counter, case.body["receipt_no"], ("accepted", ""), ("completed", "营业执照已寄出"))
    with county.session() as session:
        publish_notice(
            session,
            "活动日提醒",
            "本周五在瑶里邮政网点开展帮代办活动日，请带好台账。",
            point_code=None,
            actor="县政务服务管理局",
        )
        session.commit()
    outcome = sync(qtbot, window)
    assert outcome.ok and outcome.report.pulled >= 3
    assert ledger.model.row(1).state_label == "已办结"
    ledger.table.selectRow(1)
    assert ledger.pane.values["county"][1].text() == "营业执照已寄出"
    assert "部门更新状态为“已办结”：营业执照已寄出（来自县里）" in ledger.pane.timeline.text()
    home = window.show_page("home")
    assert "活动日提醒" in home.county_notices.text() and not home.county_title.isHidden()
    points = window.show_page("points")
    assert (
        "本月 5 分（办结 2 件）" in points.county_lines.text()
    )  # 一类 payment 1 + 四类 licence 4, as the county counts


def test_a_revoked_account_locks_the_app_and_keeps_the_data(qtbot, county, point, tmp_path):
    counter, setup = point
    counter.append(make_case_draft(counter.catalogue))
    window = county_window(qtbot, counter)
    with county.session() as session:
        admin.revoke_account(session, setup["account_id"], "违规刷单", actor="县政务服务管理局")
        session.commit()
    with qtbot.waitSignal(window.scheduler.locked, timeout=20_000) as blocker:
        window.scheduler.sync_now()
    assert window.is_locked and blocker.args[0] in window.lock_view.county.text()
    assert "注销" in window.lock_view.county.text() or "停用" in window.lock_view.county.text()
    assert "都还在" in window.lock_view.kept.text()
    assert window.sync_indicator.text() == "县里已停用（数据保存在本机）"
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.root.currentWidget() is window.lock_view and not window.pages["record"].isVisible()
    with pytest.raises(CounterLocked):
        counter.append(make_case_draft(counter.catalogue))
    assert sum(counter.store.outbox_counts().values()) == 1 and counter.store.head().seq == 1  # kept for the county
    assert not window.scheduler.sync_now()
    window.close()

    again = unlock_counter(tmp_path / "data", PASSWORD)  # the lock survives a restart
    try:
        assert again.locked
        reopened = build_main_window(again)
        qtbot.addWidget(reopened)
        assert reopened.is_locked and not reopened.scheduler.running
    finally:
        reopened.close()
