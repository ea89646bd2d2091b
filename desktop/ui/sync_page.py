"""The sync page (同步): progress, last success, what waits, what the county sent back and why, the sync file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.jobs.sync import SyncScheduler
from desktop.jobs.tasks import export_sync_job
from desktop.services.month_notes import clock_warning, month_notes
from desktop.services.session import Counter
from desktop.services.sync_view import (
    RejectedRecord,
    ago,
    images_line,
    outdated_headline,
    rejected_records,
    sync_state,
    unsafe_headline,
    when,
)
from desktop.services.syncing import SyncOutcome, summary
from desktop.ui.messages import MessageBar
from desktop.ui.widgets import button, card, label

TRAINING_LINE = "培训模式：记录同步到这台电脑上运行的练习用县级端，不会上报真实的县里。"
STICK_HELP = (
    "把 U 盘交给乡镇，由乡镇转交县政务服务管理局导入。这些记录在本机仍算“待同步”，"
    "等网络恢复后会再同步一次（县里会认出已经收到的），所以重复导出或 U 盘丢了都不会丢数据。"
)


class SyncPage(QWidget):
    """``open_case(receipt_no)`` asks the window to show a case in the ledger."""

    open_case = Signal(str)

    def __init__(
        self, counter: Counter, scheduler: SyncScheduler, messages: MessageBar, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.counter, self.scheduler, self.messages = counter, scheduler, messages
        self.export_job = None
        self.records: list[RejectedRecord] = []
        self.last_summary = ""
        self.choose_file = self._ask_for_file  # tests stand in for the file dialog here
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        box = card()
        grid = QGridLayout(box)
        self.headline = label("", "heading")
        self.headline.setObjectName("syncHeadline")
        grid.addWidget(self.headline, 0, 0, 1, 2)
        self.bar = QProgressBar(objectName="syncProgress")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.bar.hide()  # shown from the first run in this session
        grid.addWidget(self.bar, 1, 0, 1, 2)
        self.lines: dict[str, object] = {}
        for row, (key, caption) in enumerate(
            (
                ("success", "上次同步成功"),
                ("pending", "等待上传"),
                ("images", "材料影像"),
                ("error", "上次没有成功的原因"),
                ("clock", "电脑时钟"),
                ("note", "说明"),
            ),
            2,
        ):
            title, value = label(caption + "：", "muted", wrap=False), label("", selectable=True)
            value.setObjectName(f"sync_{key}")
            grid.addWidget(title, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.lines[key] = (title, value)
        self.lines["clock"][1].setProperty("role", "error")
        grid.setColumnStretch(1, 1)
        layout.addWidget(box)
        actions = QHBoxLayout()
        self.sync_button = button("立即同步", "primary", name="syncNow")
        self.sync_button.clicked.connect(self.sync_now)
        self.export_button = button("导出同步文件（U 盘）", name="exportSync")
        self.export_button.clicked.connect(self.export)
        actions.addWidget(self.sync_button)
        actions.addWidget(self.export_button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.months_note = label("", selectable=True)  # completions the county credited to a later month or not at all
        self.months_note.setObjectName("syncMonthNotes")
        layout.addWidget(self.months_note)
        self.rejected_title = label("", "heading")
        self.rejected_title.setObjectName("rejectedTitle")
        layout.addWidget(self.rejected_title)
        self.table = QTableWidget(0, 4, objectName="rejectedTable")
        self.table.setHorizontalHeaderLabels(["回执编号", "事项", "被退回的记录", "县里说的原因"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_advice(row))
        layout.addWidget(self.table, 1)
        advice_row = QHBoxLayout()
        self.advice = label("", "muted")
        self.advice.setObjectName("rejectedAdvice")
        self.to_ledger = button("到台账查看这笔办件", name="rejectedToLedger")
        self.to_ledger.clicked.connect(self._open_selected)
        advice_row.addWidget(self.advice, 1)
        advice_row.addWidget(self.to_ledger, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(advice_row)
        scheduler.started.connect(self._started)
        scheduler.progress.connect(self._progress)
        scheduler.image_progress.connect(
            lambda sent, total: self._set("images", images_line(self.counter, sent, total))
        )
        scheduler.finished.connect(self._finished)
        scheduler.changed.connect(lambda: self.refresh() if self.isVisible() else None)

    # ---- what is shown ----

    def refresh(self) -> None:
        state = sync_state(self.counter)
        running, scheduler = self.scheduler.running, self.scheduler
        if state.locked:
            headline = "县里已停用这台电脑，不能再同步。本机的记录都还在。"
        elif not state.connected:
            headline = (
                "培训模式：这次没有连接培训用的县级端，练习数据只保存在本机。"
                if state.training
                else "这个台账没有连接县里，记录都保存在本机。"
            )
        elif running:
            headline = "正在同步，可以继续做别的事……"
        elif state.outdated:
            headline = outdated_headline(state.outdated)
        elif state.unsafe:
            headline = unsafe_headline(state.last_error_code)
        elif scheduler.offline:
            headline = "网络未连接。记录都已保存在本机，网络一恢复就会自动同步。"
        elif state.pending:
            headline = f"有 {state.pending} 条记录等待上传，会自动同步，也可以点“立即同步”。"
        else:
            headline = "记录都已同步到县里。"
        self.headline.setText(headline)
        self._set(
            "success", ago(state.last_success_at, self.counter.now()) or ("还没有同步过" if state.connected else "")
        )
        self._set(
            "pending",
            f"{state.pending} 条"
            + ("（断网时也可以导出同步文件，用 U 盘交给乡镇）" if state.pending and state.connected else ""),
        )
        error = ""
        if state.last_error and not running:
            error = f"{state.last_error}（{when(state.last_error_at)}）" if state.last_error_at else state.last_error
            if scheduler.waiting and not scheduler.offline and not state.outdated and not state.unsafe:
                error += f" 约 {max(1, round(scheduler.retry_in_s))} 秒后自动再试。"
        self._set("error", error)
        self._set("images", images_line(self.counter))
        self._set("clock", clock_warning(self.counter))
        self._set("note", state.training_note or (TRAINING_LINE if state.training and state.connected else ""))
        notes = month_notes(self.counter)
        self.months_note.setText(
            "\n".join(["县里没有按办结月份计积分、或取消了积分的记录（以县里为准）："] + [note.text for note in notes])
            if notes
            else ""
        )
        self.months_note.setVisible(bool(notes))
        self.sync_button.setEnabled(state.connected and not running and not state.locked)
        self.export_button.setEnabled(state.connected and bool(state.pending) and not state.locked)
        self._fill_rejected()

    def _set(self, key: str, text: str) -> None:
        title, value = self.lines[key]
        value.setText(text)
        title.setVisible(bool(text))
        value.setVisible(bool(text))

    def _fill_rejected(self) -> None:
        self.records = rejected_records(self.counter)
        self.rejected_title.setText(
            f"被县里退回的记录（{len(self.records)} 条）" if self.records else "没有被县里退回的记录。"
        )
        self.table.setVisible(bool(self.records))
        self.table.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            for column, text in enumerate(
                (record.receipt_no or "—", record.subject, f"{record.what}（{record.at}）", record.reason)
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self._size_columns()
        if self.records:
            self.table.selectRow(0)
        self._show_advice(0 if self.records else -1)

    def _size_columns(self) -> None:
        """The first three columns as wide as their text and a margin; the reason takes the rest and wraps."""
        self.table.resizeColumnsToContents()
        for column in range(3):
            self.table.setColumnWidth(column, self.table.columnWidth(column) + 16)
        self.table.resizeRowsToContents()

    def _show_advice(self, row: int) -> None:
        record = self.records[row] if 0 <= row < len(self.records) else None
        self.advice.setText(f"怎么办：{record.advice}" if record else "")
        self.advice.setVisible(record is not None)
        self.to_ledger.setVisible(bool(record and record.receipt_no))

    def _open_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.records) and self.records[row].receipt_no:
            self.open_case.emit(self.records[row].receipt_no)

    # ---- sync ----

    def sync_now(self) -> None:
        if self.scheduler.sync_now():
            self.refresh()

    def _started(self) -> None:
        self.bar.show()
        self.bar.setRange(0, 0)  # busy until the first batch reports how many there are
        self.bar.setFormat("正在同步……")
        if self.isVisible():
            self.refresh()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(f"已上传 {done} / {total} 条")

    def _finished(self, outcome: SyncOutcome) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if outcome.ok else 0)
        self.bar.setFormat("同步完成" if outcome.ok else "这次没有同步完")
        self.last_summary = summary(outcome)
        if self.isVisible():
            self.refresh()
            self.messages.show_message(self.last_summary, warning=bool(outcome.report and outcome.report.rejected))

    # ---- the sync file ----

    def _ask_for_file(self) -> Path | None:
        name = f"同步文件-{self.counter.identity.point_code}-{self.counter.now():%Y%m%d-%H%M}.ssb"
        chosen, _filter = QFileDialog.getSaveFileName(self, "导出同步文件", str(Path.home() / name), "同步文件 (*.ssb)")
        return Path(chosen) if chosen else None

    def export(self):
        if self.export_job is not None and self.export_job.running:
            return None
        path = self.choose_file()
        if path is None:
            return None
        self.export_button.setEnabled(False)
        self.export_job = export_sync_job(self.counter, path, self)
        self.export_job.done.connect(lambda exported: self._exported(path, exported))
        self.export_job.failed.connect(self._export_failed)
        self.export_job.start()
        return self.export_job

    def _exported(self, path: Path, exported) -> None:
        self.refresh()
        self.messages.show_message(f"{exported.message(path)}{STICK_HELP}", seconds=60)

    def _export_failed(self, exc: BaseException) -> None:
        self.refresh()
        from desktop.services.sync_file import ExportError

        if isinstance(exc, ExportError):
            self.messages.show_message(str(exc))
        elif not self.messages.show_failure(exc, doing="导出"):
            raise exc
