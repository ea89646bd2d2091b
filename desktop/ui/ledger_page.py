"""The case ledger (台账): filters and search over a virtualised table, the detail pane beside it."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services.cases import SYNC_LABELS, CaseFilter, CaseQueries
from desktop.services.session import Counter
from desktop.ui.case_pane import CasePane
from desktop.ui.ledger_model import CaseTableModel
from desktop.ui.messages import MessageBar
from desktop.ui.widgets import button, label
from sync.ledger.kinds import CASE_STATE_LABELS, SERVICE_MODE_LABELS

PERIODS = (("all", "全部日期"), ("today", "今天"), ("week", "近 7 天"), ("month", "本月"), ("last_month", "上月"))


def period_range(key: str, today: date) -> tuple[date | None, date | None]:
    if key == "today":
        return today, today
    if key == "week":
        return today - timedelta(days=6), today
    if key == "month":
        return today.replace(day=1), today
    if key == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    return None, None


def combo(name: str, first: str, options) -> QComboBox:
    widget = QComboBox(objectName=name)
    widget.addItem(first, None)
    for value, text in options:
        widget.addItem(text, value)
    return widget


class LedgerPage(QWidget):
    def __init__(self, counter: Counter, messages: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.search = QLineEdit(objectName="ledgerSearch")
        self.search.setPlaceholderText("搜索：回执编号、姓名、身份证或手机后 4 位、完整身份证号（可扫码）")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.apply)
        find = button("查找", "primary", name="findButton")
        find.clicked.connect(self.apply)
        top.addWidget(self.search, 1)
        top.addWidget(find)
        layout.addLayout(top)
        filters = QHBoxLayout()
        self.period = combo("period", PERIODS[0][1], PERIODS[1:])
        self.item = combo("itemFilter", "全部事项", [(i.code, i.name) for i in counter.catalogue.items])
        self.state = combo("stateFilter", "全部状态", [(s.value, t) for s, t in CASE_STATE_LABELS.items()])
        self.mode = combo("modeFilter", "全部方式", [(m.value, t) for m, t in SERVICE_MODE_LABELS.items()])
        self.sync = combo("syncFilter", "同步：全部", list(SYNC_LABELS.items()))
        for widget in (self.period, self.item, self.state, self.mode, self.sync):
            widget.currentIndexChanged.connect(self.apply)
            filters.addWidget(widget)
        self.item.setMinimumContentsLength(6)
        self.count_label = label("", wrap=False)
        self.count_label.setObjectName("ledgerCount")
        filters.addWidget(self.count_label)
        filters.addStretch(1)
        layout.addLayout(filters)
        self.model = CaseTableModel(CaseQueries(counter.store, counter.catalogue), self)
        self.table = QTableView(objectName="ledgerTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.pane = CasePane(counter, messages)
        self.pane.focus_fallback = lambda: self.table  # after an action that removes its own button
        self.pane.changed.connect(self.model_changed)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.pane)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 3)
        split.setSizes([740, 440])
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self._applied = False

    def current_filter(self) -> CaseFilter:
        start, end = period_range(self.period.currentData() or "all", self.counter.today())
        return CaseFilter(
            date_from=start,
            date_to=end,
            item_code=self.item.currentData(),
            state=self.state.currentData(),
            mode=self.mode.currentData(),
            sync=self.sync.currentData(),
            search=self.search.text(),
        )

    def apply(self) -> None:
        self.model.set_filter(self.current_filter())
        self._size_columns()
        self.count_label.setText(f"共 {self.model.rowCount()} 件")
        self._applied = True
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self.pane.show_case(None)

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        widths = (
            "0000-000000-0000-0",
            "00-00",
            "个体工商户设立",
            "欧阳秀英",
            "材料已送交",
            "待同步",
            "3602**********1234",
            "138****0000",
            "活动日",
            "1000.00",
        )
        for column, sample in enumerate(widths):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        height = metrics.height() + 16
        self.table.verticalHeader().setDefaultSectionSize(max(height, 40))

    def refresh(self) -> None:
        if not self._applied:
            self.apply()

    def focus_first(self) -> None:
        self.search.setFocus()

    def model_changed(self) -> None:
        current = self.table.currentIndex().row()
        self.model.refresh()
        self.count_label.setText(f"共 {self.model.rowCount()} 件")
        if 0 <= current < self.model.rowCount():
            self.table.selectRow(current)
        self.window_events_changed()

    def county_updated(self) -> None:
        """A sync brought statuses or acknowledgements: shown at once if on screen, else when next shown."""
        if not self.isVisible() or not self._applied:
            self._applied = False
            return
        current = self.table.currentIndex().row()
        self.model.refresh()
        self.count_label.setText(f"共 {self.model.rowCount()} 件")
        if 0 <= current < self.model.rowCount():
            self.table.selectRow(current)
            row = self.model.row(current)
            self.pane.show_case(row.case_id if row else None)

    def show_receipt(self, receipt_no: str) -> None:
        """Find one case by its receipt number (from the sync page's rejected list)."""
        for widget in (self.period, self.item, self.state, self.mode, self.sync):
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        self.search.setText(receipt_no)
        self.apply()

    def model_changed_elsewhere(self) -> None:
        """Another screen saved something: reload when next shown (cheap: a count and one page)."""
        if not self.isVisible():
            self._applied = False

    def window_events_changed(self) -> None:
        window = self.window()
        if hasattr(window, "events"):
            window.events.changed.emit()

    def _selected(self, current, _previous) -> None:
        row = self.model.row(current.row()) if current.isValid() else None
        self.pane.show_case(row.case_id if row else None)
