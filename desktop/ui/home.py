"""The home screen (今日): big buttons for the main jobs, today's work, points against the cap, reminders, notices."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services.cases import CaseFilter, CaseQueries, yuan
from desktop.services.county_news import notices
from desktop.services.overview import MONTHLY_CAP, day_figures, points_now, reminders, unsynced
from desktop.services.session import Counter
from desktop.ui.notify_list import NotifyList
from desktop.ui.widgets import button, card, label

NOTICE_CHARS = 80


def clip(text: str, limit: int = NOTICE_CHARS) -> str:
    """A notice's first words on the home screen; the whole text is in the tooltip."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "……"


JOBS = (("record", "新登记", "F2"), ("ledger", "查台账", "F3"), ("mailing", "寄递", "F4"), ("dayclose", "日结", "F7"))


class HomePage(QWidget):
    """``go(key)`` asks the window to open another page."""

    go = Signal(str)

    def __init__(self, counter: Counter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        self.queries = CaseQueries(counter.store, counter.catalogue)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        jobs = QHBoxLayout()
        self.job_buttons = {}
        for key, title, keyname in JOBS:
            widget = button(f"{title}\n{keyname}", "big", name=f"job_{key}")
            widget.clicked.connect(lambda _c=False, k=key: self.go.emit(k))
            jobs.addWidget(widget)
            self.job_buttons[key] = widget
        layout.addLayout(jobs)
        self.notify = NotifyList(counter)
        layout.addWidget(self.notify.card)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        today_card = card()
        today_layout = QVBoxLayout(today_card)
        self.today_title = label("今天的办件", "heading")
        today_layout.addWidget(self.today_title)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("todayTable")
        self.table.setHorizontalHeaderLabels(["回执编号", "事项", "群众", "状态"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        today_layout.addWidget(self.table, 1)
        self.day_line = label("")
        today_layout.addWidget(self.day_line)
        side = card()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(label("本月积分（估算）", "heading"))
        self.points_bar = QProgressBar()
        self.points_bar.setObjectName("pointsBar")
        self.points_bar.setRange(0, MONTHLY_CAP)
        side_layout.addWidget(self.points_bar)
        self.points_line = label("")
        side_layout.addWidget(self.points_line)
        self.sync_line = label("", "heading")
        self.sync_line.setObjectName("homeSync")
        side_layout.addWidget(self.sync_line)
        side_layout.addWidget(label("提醒", "heading"))
        self.notices = label("")
        self.notices.setObjectName("notices")
        self.notices.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        side_layout.addWidget(self.notices, 1)
        self.county_title = label("县里的通知", "heading")
        self.county_notices = label("", selectable=True)
        self.county_notices.setObjectName("countyNotices")
        side_layout.addWidget(self.county_title)
        side_layout.addWidget(self.county_notices)
        grid.addWidget(today_card, 0, 0)
        # reminders and the county's notices grow with the ledger: at 特大 they scroll instead of growing the window
        side_scroll = QScrollArea()
        side_scroll.setObjectName("homeSide")
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setWidget(side)
        grid.addWidget(side_scroll, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        layout.addLayout(grid, 1)

    def refresh(self) -> None:
        self.notify.refresh()
        today = self.counter.today()
        rows = self.queries.page(CaseFilter(date_from=today, date_to=today), 0, 200)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate((row.receipt_no, row.item_name, row.applicant, row.state_label)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        figures = day_figures(self.counter, today)
        self.today_title.setText(f"今天的办件（{figures.case_count} 件）")
        parts = [
            f"作废 {figures.voided_count} 件",
            f"寄递 {figures.mailing_count} 件",
            f"代收金额 {yuan(figures.amount_fen_total) or '0.00'} 元",
        ]
        closed = "，今天已日结" if figures.closed_at else ""
        self.day_line.setText("今天：" + "，".join(parts) + closed + "。")
        month, quarter = points_now(self.counter)
        self.points_bar.setValue(min(month.credited, MONTHLY_CAP))
        self.points_bar.setFormat(f"{month.credited} / {MONTHLY_CAP}")
        left = MONTHLY_CAP - month.credited
        self.points_line.setText(
            f"本月已得 {month.credited} 分，还能得 {left} 分（每月最多 {MONTHLY_CAP} 分）。"
            f"本季度合计 {quarter.credited} 分。"
        )
        waiting = unsynced(self.counter)
        self.sync_line.setText(f"待同步：{waiting} 条" if waiting else "记录都已同步")
        notes = reminders(self.counter)
        self.notices.setText("\n".join(f"• {note}" for note in notes) if notes else "暂时没有要提醒的事。")
        latest = notices(self.counter, limit=2)
        self.county_notices.setText("\n".join(f"• {n.title}（{n.published}）：{clip(n.text)}" for n in latest))
        self.county_notices.setToolTip("\n\n".join(f"{n.title}（{n.published}，{n.sender}）\n{n.text}" for n in latest))
        self.county_title.setVisible(bool(latest))
        self.county_notices.setVisible(bool(latest))
