"""The home screen's 需通知群众 list: county 退回/办结 to pass on, the phone to call, and 已通知 to clear each."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout

from desktop.services.notify import ToTell, mark_told, phone_to_call, to_tell
from desktop.services.session import Counter
from desktop.ui.widgets import button, card, label

COLUMNS = ["回执编号", "事项", "群众", "电话", "结果", "原因"]
PHONE_COLUMN = 3


class NotifyList:
    """The card and its two actions; the home screen places ``card`` and calls ``refresh``."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.entries: list[ToTell] = []
        self.card = card()
        self.card.setObjectName("notifyCard")
        box = QVBoxLayout(self.card)
        self.title = label("需通知群众", "heading")
        self.title.setObjectName("notifyTitle")
        box.addWidget(self.title)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("notifyTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.call_button = button("显示电话号码（会记录查看）", name="notifyCall")
        self.call_button.clicked.connect(self.show_phone)
        self.told_button = button("已通知", "primary", name="notifyTold")
        self.told_button.clicked.connect(self.mark_selected)
        row.addWidget(self.call_button)
        row.addWidget(self.told_button)
        row.addStretch(1)
        box.addLayout(row)

    def refresh(self) -> None:
        self.entries = to_tell(self.counter)
        self.table.setRowCount(len(self.entries))
        for r, entry in enumerate(self.entries):
            values = (entry.receipt_no, entry.item_name, entry.applicant, entry.phone, entry.what, entry.reason)
            for c, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(r, c, cell)
        self.title.setText(f"需通知群众（{len(self.entries)} 件）：部门的结果请打电话告诉群众，告诉后点“已通知”")
        if self.entries and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self.card.setVisible(bool(self.entries))

    def selected(self) -> ToTell | None:
        row = self.table.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def show_phone(self) -> str:
        entry = self.selected()
        if entry is None or not entry.has_phone:
            return ""
        number = phone_to_call(self.counter, entry.case_id)
        self.table.item(self.table.currentRow(), PHONE_COLUMN).setText(number)
        return number

    def mark_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            mark_told(self.counter, entry)
            self.refresh()
