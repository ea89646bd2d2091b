"""The guides (事项指南): browse every item by category or by typing, and read its guide and its flowchart
(流程图) in large text.

The flowchart comes from the same data the county prints on the wall poster and shows on the 专区
(sync/ledger/flowcharts.py): the flowchart the item's department approved, once the county sent it on the pull
feed, with the approval date (部门审定); until then the shipped sample, marked 示例 (desktop/services/flowcharts.py).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.services.flowcharts import flowchart_for
from desktop.services.items import index_for, point_menu
from desktop.services.printouts import guide_pdf
from desktop.services.session import Counter
from desktop.ui.messages import MessageBar
from desktop.ui.printing import Printer
from desktop.ui.widgets import label
from sync.ledger.catalogue import CLASS_LABELS, FLOW_LABELS, Catalogue, Item
from sync.ledger.flowcharts import SAMPLE_LABEL, SAMPLE_MARK, Flowchart

RED = "#A1221B"


def guide_html(catalogue: Catalogue, item: Item) -> str:
    """The guide as simple HTML for the reader; everything escaped, in the guide's own order."""
    g = item.guide
    units = "、".join(unit.name for unit in catalogue.units_of(item)) or "—"
    parts = [
        f"<h2>{escape(item.name)}</h2>",
        f"<p>{escape(item.category)} · {CLASS_LABELS[item.points_class]}事项，每件 {item.points} 积分 · "
        f"{FLOW_LABELS[item.flow]}</p>",
        f"<p><b>办理单位：</b>{escape(units)}</p>",
    ]
    if g.materials:
        rows = "".join(
            f"<li>{escape(m.name)}（{m.form_label} {m.copies} 份{'，必需' if m.required else '，需要时'}）"
            + (f"<br/><span style='color:#3D4652'>{escape(m.note)}</span>" if m.note else "")
            + "</li>"
            for m in g.materials
        )
        parts.append(f"<h3>要带的材料</h3><ol>{rows}</ol>")
    else:
        parts.append("<h3>要带的材料</h3><p>不用带材料。</p>")
    parts.append("<h3>怎么办</h3><ol>" + "".join(f"<li>{escape(step)}</li>" for step in g.steps) + "</ol>")
    parts.append(f"<p><b>办理时限：</b>{escape(g.time_limit_text)}</p>")
    parts.append(f"<p><b>收费：</b>{escape(g.fee_text)}</p>")
    parts.append(f"<p><b>咨询查询：</b>{escape(g.query_text)}</p>")
    if g.note:
        parts.append(f"<p style='color:#A1221B'><b>{escape(g.note)}</b></p>")
    return "".join(parts)


def flowchart_html(item: Item, chart: Flowchart | None) -> str:
    """The item's flowchart top to bottom: one box per step (who, what, how long), arrows between them."""
    if chart is None or not chart.steps:
        return f"<h2>{escape(item.name)}</h2><p>这个事项还没有流程图，请按办事指南办理。</p>"
    title = f"{escape(item.name)} 办理流程图" + (
        f"<span style='color:{RED}'>【{SAMPLE_MARK}】</span>" if chart.sample else ""
    )
    parts = [f"<h2>{title}</h2>", f"<p><b>办理时限：</b>{escape(chart.time_limit)}</p>"]
    if chart.sample:
        parts.append(f"<p style='color:{RED}'><b>{SAMPLE_LABEL}，不是正式流程图。</b></p>")
    elif chart.approved_on:
        parts.append(f"<p><b>部门审定 {escape(chart.approved_on)}</b></p>")
    style = "border-style:dashed" if chart.sample else "border-style:solid"
    for number, step in enumerate(chart.steps, start=1):
        parts.append(
            f"<table width='100%' border='1' cellspacing='0' cellpadding='8' style='{style}; border-color:{RED}'>"
            f"<tr><td width='18%' align='center' valign='middle'><b>第 {number} 步</b></td>"
            f"<td><b style='color:{RED}'>{escape(step.who)}</b>：{escape(step.what)}"
            f"<br/><span style='color:#3D4652'>用时：{escape(step.time)}</span></td></tr></table>"
        )
        if number < len(chart.steps):
            parts.append("<p align='center' style='margin:0'><b>↓</b></p>")
    return "".join(parts)


class GuidesPage(QWidget):
    def __init__(self, counter: Counter, messages: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        self.printer = Printer(counter, messages, self)
        self.catalogue = point_menu(counter)  # only the items offered in this point's township
        self.index = index_for(self.catalogue)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        self.search = QLineEdit(objectName="guideSearch")
        self.search.setPlaceholderText("找事项：名称、拼音或首字母")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.fill)
        left.addWidget(label("事项指南", "heading"))
        left.addWidget(self.search)
        self.list = QListWidget(objectName="guideList")
        self.list.currentItemChanged.connect(self._show)
        left.addWidget(self.list, 1)
        holder = QWidget()
        holder.setLayout(left)
        holder.setMaximumWidth(420)
        layout.addWidget(holder, 1)
        self.reader = QTextBrowser(objectName="guideReader")
        self.reader.setOpenLinks(False)
        self.flowchart = QTextBrowser(objectName="flowchartReader")
        self.flowchart.setOpenLinks(False)
        self.tabs = QTabWidget(objectName="guideTabs")
        self.tabs.addTab(self.reader, "办事指南")
        self.tabs.addTab(self.flowchart, "流程图")
        right = QVBoxLayout()
        right.addWidget(self.tabs, 1)
        self.print_button = QPushButton("打印这份指南给群众", objectName="printGuide")
        self.print_button.clicked.connect(self.print_current)
        right.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(right, 2)
        self.fill()

    def fill(self) -> None:
        found = self.index.search(self.search.text())
        self.list.clear()
        for category in self.catalogue.categories():
            items = [item for item in found if item.category == category]
            if not items:
                continue
            header = QListWidgetItem(f"【{category}】")
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(header)
            for item in items:
                entry = QListWidgetItem(f"  {item.name}")
                entry.setData(Qt.ItemDataRole.UserRole, item)
                self.list.addItem(entry)
        first = next((n for n in range(self.list.count()) if self.list.item(n).data(Qt.ItemDataRole.UserRole)), None)
        if first is not None:
            self.list.setCurrentRow(first)
        else:
            self.reader.setHtml("<p>没有找到这个事项，请换个说法试试。</p>")

    def _show(self, current, _previous=None) -> None:
        item = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        if item is not None:
            self.reader.setHtml(guide_html(self.catalogue, item))
            self.flowchart.setHtml(flowchart_html(item, flowchart_for(self.counter, item.code)))

    def current_item(self) -> Item | None:
        current = self.list.currentItem()
        return current.data(Qt.ItemDataRole.UserRole) if current is not None else None

    def print_current(self):
        """Print the guide on screen on the paper chosen in 设置; a failure is a calm message."""
        item = self.current_item()
        if item is None:
            return None
        return self.printer.print_pdf(f"{item.name}办事指南", lambda: guide_pdf(self.counter, item.code))

    def show_flowchart(self) -> None:
        self.tabs.setCurrentWidget(self.flowchart)

    def show_item(self, code: str) -> None:
        for n in range(self.list.count()):
            item = self.list.item(n).data(Qt.ItemDataRole.UserRole)
            if item is not None and item.code == code:
                self.list.setCurrentRow(n)
                return

    def focus_first(self) -> None:
        self.search.setFocus()
