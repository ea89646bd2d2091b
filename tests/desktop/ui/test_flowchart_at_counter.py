"""The counter shows each item's flowchart from the shared data (sync/ledger/flowcharts.py), marked 示例 while it
is the shipped sample, and legible at 特大: every step on screen, nothing wider than the reader."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.settings import TEXT_POINTS
from desktop.ui.theme import apply_theme
from sync.ledger.flowcharts import SAMPLE_LABEL, sample_for


def test_every_items_flowchart_at_xlarge_marked_as_a_sample(qtbot, qapp, window, tmp_path):
    apply_theme(qapp, TEXT_POINTS["xlarge"])
    page = window.show_page("guides")
    page.show_flowchart()
    qtbot.wait(10)
    seen = []
    for n in range(page.list.count()):
        item = page.list.item(n).data(Qt.ItemDataRole.UserRole)
        if item is None:
            continue
        page.list.setCurrentRow(n)
        shown = page.flowchart.toPlainText()
        chart = sample_for(item.code)
        assert f"{item.name} 办理流程图【示例】" in shown and SAMPLE_LABEL in shown, item.code
        for number, step in enumerate(chart.steps, start=1):
            assert f"第 {number} 步" in shown and f"{step.who}：{step.what}" in shown and f"用时：{step.time}" in shown
        assert page.flowchart.horizontalScrollBar().maximum() == 0, item.code  # no sideways scrolling
        seen.append(item.code)
    assert len(seen) == 20
    assert page.flowchart.font().pointSize() >= TEXT_POINTS["xlarge"]
    page.show_item("FL015")
    qtbot.wait(10)
    assert (
        page.tabs.currentWidget() is page.flowchart and "个体工商户设立登记 办理流程图" in page.flowchart.toPlainText()
    )
    assert window.grab().save(str(tmp_path / "flowchart-xlarge.png"))


def test_the_departments_approved_flowchart_is_drawn_without_the_sample_mark(qtbot, qapp, window, counter, tmp_path):
    from desktop.store.county_feed import store_items
    from desktop.store.engine import write

    steps = [
        {"who": "申请人", "what": "带身份证和租房合同到代办点", "time": "当场"},
        {"who": "代办员", "what": "核对材料、网上提交", "time": "当天"},
        {"who": "县市场监督管理局", "what": "审核，发营业执照", "time": "1 个工作日"},
    ]
    payload = {"item_code": "FL015", "steps": steps, "approved_on": "2026-12-07", "withdrawn": False}
    with write(counter.store.engine) as conn:  # as pulled from the county's feed
        store_items(conn, [{"cursor": 7, "kind": "flowchart", "payload": payload, "created_at": "2026-12-07"}])
    page = window.show_page("guides")
    page.show_item("FL015")
    page.show_flowchart()
    qtbot.wait(10)
    shown = page.flowchart.toPlainText()
    assert "个体工商户设立登记 办理流程图" in shown and "部门审定 2026-12-07" in shown
    assert "示例" not in shown and SAMPLE_LABEL not in shown
    for number, step in enumerate(steps, start=1):
        assert f"第 {number} 步" in shown and f"{step['who']}：{step['what']}" in shown
    assert "用时：1 个工作日" in shown
    page.show_item("FL016")  # an item the department did not approve keeps its sample
    qtbot.wait(10)
    assert "【示例】" in page.flowchart.toPlainText()
    page.show_item("FL015")
    qtbot.wait(10)
    assert window.grab().save(str(tmp_path / "flowchart-approved.png"))
