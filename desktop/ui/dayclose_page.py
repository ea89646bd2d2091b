"""The day close (日结): today's summary, what still waits to sync, and the close with its checked backup."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.jobs.tasks import close_day_job
from desktop.services.cases import yuan
from desktop.services.overview import day_figures, unsynced
from desktop.services.printouts import day_sheet_pdf
from desktop.services.session import Counter
from desktop.ui.messages import MessageBar
from desktop.ui.printing import Printer
from desktop.ui.widgets import button, card, label
from sync.ledger.events import parse_time


class DayClosePage(QWidget):
    """``closed`` after each day close (the window then syncs and checks the monthly digests)."""

    closed = Signal()

    def __init__(self, counter: Counter, messages: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages = counter, messages
        self.job = None
        self.printer = Printer(counter, messages, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        box = card()
        inner = QVBoxLayout(box)
        self.title = label("", "title")
        self.figures = label("", wrap=False)
        self.figures.setObjectName("dayFigures")
        self.sync_line = label("", "heading")
        self.status = label("")
        self.status.setObjectName("dayStatus")
        for widget in (self.title, self.figures, self.sync_line, self.status):
            inner.addWidget(widget)
        layout.addWidget(box)
        row = QHBoxLayout()
        self.close_button = button("日结并备份", "primary", name="closeDay")
        self.close_button.clicked.connect(self.close_day)
        row.addWidget(self.close_button)
        self.sheet_button = button("打印日结单", name="printDaySheet")
        self.sheet_button.clicked.connect(self.print_sheet)
        row.addWidget(self.sheet_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(
            label(
                "日结会记下今天的办件数、金额和预计积分，并自动备份台账（备份会先检查没有损坏）。"
                "晚上关店前做一次；日结后还可以继续登记，再日结一次即可。",
                "muted",
            )
        )
        layout.addStretch(1)

    def refresh(self) -> None:
        today = self.counter.today()
        f = day_figures(self.counter, today)
        self.title.setText(f"{today:%Y年%m月%d日} 日结")
        self.figures.setText(
            f"办件 {f.case_count} 件（作废 {f.voided_count} 件）\n寄递 {f.mailing_count} 件\n"
            f"代收代缴金额 {yuan(f.amount_fen_total) or '0.00'} 元（原数交给缴费单位）\n"
            f"今天办结的预计积分 {f.points_estimate} 分"
        )
        waiting = unsynced(self.counter)
        self.sync_line.setText(f"待同步记录 {waiting} 条" if waiting else "记录都已同步")
        if f.closed_at:
            self.status.setText(f"今天已在 {parse_time(f.closed_at):%H:%M} 日结过。之后又登记的，可以再日结一次。")
            self.close_button.setText("再次日结并备份")
        else:
            self.status.setText("今天还没有日结。")
            self.close_button.setText("日结并备份")

    def print_sheet(self):
        day = self.counter.today()
        return self.printer.print_pdf("日结单", lambda: day_sheet_pdf(self.counter, day))

    def close_day(self) -> None:
        if self.job is not None and self.job.running:
            return
        self.close_button.setEnabled(False)
        self.status.setText("正在日结和备份，请稍候……（可以继续做别的事）")
        self.job = close_day_job(self.counter, self.counter.today(), self)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.start()

    def _done(self, result) -> None:
        _event, backup = result
        self.close_button.setEnabled(True)
        self.refresh()
        self.messages.show_message(f"日结完成，台账已备份（{backup.path.name}），备份检查无误。")
        window = self.window()
        if hasattr(window, "events"):
            window.events.changed.emit()
        self.closed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.close_button.setEnabled(True)
        self.refresh()
        if not self.messages.show_failure(exc, doing="日结"):
            raise exc
