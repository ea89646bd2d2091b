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
