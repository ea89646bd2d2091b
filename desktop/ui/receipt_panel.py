"""After a save: the receipt number, big, the one-time notice if materials are missing, and what to do next."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from desktop.services.printouts import notice_pdf, receipt_pdf
from desktop.services.recording import SavedCase
from desktop.services.session import Counter
from desktop.ui.printing import Printer
from desktop.ui.widgets import button, card, label


class ReceiptPanel(QWidget):
    again = Signal()
    to_ledger = Signal()

    def __init__(self, counter: Counter, printer: Printer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter, self.printer = counter, printer
        self.saved: SavedCase | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        box = card()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(24, 18, 24, 18)
        self.title = label("已保存", "title")
        self.title.setObjectName("savedTitle")
        inner.addWidget(self.title)
        inner.addWidget(label("回执编号（请写在或打印在回执上，群众凭它查询）："))
        self.receipt = label("", "huge", selectable=True)
        self.receipt.setObjectName("receiptNo")
        inner.addWidget(self.receipt)
        self.details = label("")
        inner.addWidget(self.details)
        self.notice = label("", "error")
        self.notice.setObjectName("oneTimeNotice")
        inner.addWidget(self.notice)
        layout.addWidget(box)
        layout.addStretch(1)
        buttons = QGridLayout()  # two rows: at 特大 four buttons in one row are wider than the screen allows
        self.print_button = button("打印回执  F9", "primary", name="printReceipt")
        self.print_button.clicked.connect(self.print_receipt)
        self.notice_button = button("打印一次性告知单", name="printNotice")
        self.notice_button.clicked.connect(self.print_notice)
        buttons.addWidget(self.print_button, 0, 0)
        buttons.addWidget(self.notice_button, 0, 1)
        self.again_button = button("再登记一笔  Enter", "primary", name="againButton")
        self.again_button.clicked.connect(self.again)
        self.ledger_button = button("去台账查看", name="toLedgerButton")
        self.ledger_button.clicked.connect(self.to_ledger)
        buttons.addWidget(self.again_button, 1, 0)
        buttons.addWidget(self.ledger_button, 1, 1)
        buttons.setColumnStretch(2, 1)
        layout.addLayout(buttons)

    def show_saved(self, saved: SavedCase) -> None:
        self.saved = saved
        self.title.setText("已保存并办结" if saved.completed else "已保存")
        self.receipt.setText(saved.receipt_no)
        points = f"办结后计 {saved.item.points} 分" if not saved.completed else f"本件计 {saved.item.points} 分（估算）"
        self.details.setText(f"事项：{saved.item.name}；{points}。")
        if saved.missing:
            lines = "\n".join(f"  {n}. {name}" for n, name in enumerate(saved.missing, 1))
            self.notice.setText(f"一次性告知：请告诉群众，还需要补交以下材料：\n{lines}")
        else:
            self.notice.setText("")
        self.notice.setVisible(bool(saved.missing))
        self.notice_button.setVisible(bool(saved.missing))

    def print_receipt(self):
        if self.saved is not None:
            case_id = self.saved.case_id
            return self.printer.print_pdf("回执", lambda: receipt_pdf(self.counter, case_id))
        return None

    def print_notice(self):
        if self.saved is not None:
            case_id = self.saved.case_id
            return self.printer.print_pdf("一次性告知单", lambda: notice_pdf(self.counter, case_id))
        return None
