"""咨询 (F11): the agent writes down a villager's question for the county, and reads the answer back to them."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services import consults
from desktop.services.session import Counter, CounterLocked
from desktop.ui import theme
from desktop.ui.messages import MessageBar
from desktop.ui.widgets import Field, button, card, label
from sync.ledger.forms import FormErrors
from sync.ledger.forms_consult import QUESTION_MAX

COLUMNS = ["提问时间", "问题", "事项", "群众电话", "答复单位与期限", "状态"]
ROUTE_COLUMN, STATE_COLUMN = 4, 5


class ConsultPage(QWidget):
    def __init__(self, counter: Counter, messages: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages = counter, messages
        self.entries: list[consults.Relayed] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        ask = card()
        ask.setObjectName("consultAsk")
        form = QVBoxLayout(ask)
        form.addWidget(label("帮群众问县里", "heading"))
        form.addWidget(
            label(
                "把群众的问题写清楚，县里会转给负责的部门，2 个工作日内答复。答复回来后在这里能看到，请转告群众。",
                "muted",
            )
        )
        self.question = QPlainTextEdit(objectName="consultQuestion")
        self.question.setPlaceholderText("例如：开小卖部办营业执照要带什么材料？房子是租的行不行？")
        self.question.textChanged.connect(self._typed)
        self.fields = {"question": Field(f"问题（5 至 {QUESTION_MAX} 个字）", self.question)}
        self.item = QComboBox(objectName="consultItem")
        self.item.addItem("不选（由县政务服务管理局答复）", "")
        for item in counter.catalogue.items:
            self.item.addItem(f"{item.code} {item.name}", item.code)
        self.fields["item_code"] = Field("问的是哪个事项（可不选）", self.item)
        self.phone = QLineEdit(objectName="consultPhone")
        self.fields["phone"] = Field(
            "群众手机号（可不填，部门需要时回电）", self.phone, "只在本机加密保存，屏幕上只显示部分号码。"
        )
        for field in self.fields.values():
            form.addWidget(field)
        self.send = button("记下并转给县里", "primary", name="consultSend")
        self.send.clicked.connect(self.submit)
        form.addWidget(self.send)
        form.addStretch(1)
        layout.addWidget(ask, 1)

        listed = card()
        box = QVBoxLayout(listed)
        self.title = label("转给县里的咨询", "heading")
        box.addWidget(self.title)
        self.table = QTableWidget(0, len(COLUMNS), objectName="consultTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda *_a: self._show_selected())
        box.addWidget(self.table, 2)
        self.detail = label("", selectable=True)
        self.detail.setObjectName("consultDetail")
        box.addWidget(self.detail, 1)
        self.told = button("已告诉群众", name="consultTold")
        self.told.clicked.connect(self.mark_told)
        box.addWidget(self.told)
        layout.addWidget(listed, 2)
        self.refresh()

    def _typed(self) -> None:
        self.fields["question"].set_error("")
        count = len(self.question.toPlainText().strip())
        self.fields["question"].title.setText(f"问题（5 至 {QUESTION_MAX} 个字，已写 {count} 个字）")

    def submit(self) -> bool:
        for field in self.fields.values():
            field.set_error("")
        try:
            consults.ask(
                self.counter,
                self.question.toPlainText(),
                item_code=self.item.currentData() or "",
                phone=self.phone.text(),
            )
        except FormErrors as exc:
            for key, message in exc.errors.items():
                self.fields.get(key, self.fields["question"]).set_error(message)
            self.messages.show_message("咨询没有保存：" + str(exc), warning=True)
            return False
        except CounterLocked as exc:
            self.messages.show_message(str(exc), warning=True)
            return False
        self.question.clear()
        self.phone.clear()
        self.item.setCurrentIndex(0)
        self.messages.show_message("已记下这条咨询，联网同步时会送到县里。")
        self.refresh()
        return True

    def refresh(self) -> None:
        self.entries = consults.relayed(self.counter)
        self.table.setRowCount(len(self.entries))
        for r, entry in enumerate(self.entries):
            state = entry.state + ("（待转告）" if entry.state == consults.ANSWERED and not entry.told else "")
            if entry.overdue:
                state += "·超期"
            for c, text in enumerate(
                (entry.asked_at, entry.question, entry.item_name or "—", entry.phone or "—", _route_cell(entry), state)
            ):
                cell = QTableWidgetItem(text.replace("\n", " "))
                cell.setToolTip(text)
                if entry.overdue and c in (ROUTE_COLUMN, STATE_COLUMN):
                    cell.setForeground(QBrush(QColor(theme.DANGER)))
                self.table.setItem(r, c, cell)
        waiting = sum(1 for e in self.entries if e.state == consults.WAITING)
        late = sum(1 for e in self.entries if e.overdue)
        self.title.setText(
            f"转给县里的咨询（{len(self.entries)} 条，等待答复 {waiting} 条"
            + (f"，其中已超期 {late} 条）" if late else "）")
        )
        if self.entries and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self._show_selected()

    def selected(self) -> consults.Relayed | None:
        row = self.table.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _show_selected(self) -> None:
        entry = self.selected()
        if entry is None:
            self.detail.setText("还没有转给县里的咨询。")
            self.told.setVisible(False)
            return
        lines = [f"问题：{entry.question}", f"状态：{entry.state}，{entry.detail}"]
        if entry.route:
            lines.append(f"答复单位与期限：{entry.route}")
        if entry.overdue:
            lines.append("县里还没有答复，已过了应答复的日期。可以提醒群众耐心等候，或请乡镇帮忙催问。")
        if entry.state == consults.ANSWERED:
            lines.append(f"答复（{entry.answered_by}，{entry.answered_at}）：{entry.answer}")
            lines.append("已告诉群众。" if entry.told else "请把答复告诉群众，告诉后点“已告诉群众”。")
        self.detail.setText("\n".join(lines))
        self.told.setVisible(entry.state == consults.ANSWERED and not entry.told)

    def mark_told(self) -> None:
        entry = self.selected()
        if entry is not None:
            consults.mark_told(self.counter, entry)
            self.refresh()


def _route_cell(entry: consults.Relayed) -> str:
    """The list's short form: 县市监局 12-02前 / 县市监局 时限待确认 (the year and the words in the detail);
    "—" before the county says."""
    if not entry.answering_unit:
        return "—"
    return f"{entry.answering_unit} {entry.due_date[5:] + '前' if entry.due_date else consults.UNCONFIRMED}"
