"""The free-mailing ledger (寄递台账): record a mailing, scan the tracking number when handed over, mark delivered."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services.handover import HandoverForm, arrived, hand_over
from desktop.services.mailings import (
    MailingQueries,
    MailingRow,
    case_ids_for_receipts,
    delivered,
    dispatch,
    record_mailing,
)
from desktop.services.printouts import mailing_slip_pdf, pickup_slip_pdf
from desktop.services.session import Counter
from desktop.ui.case_dialogs import ActionDialog, confirm_dialog
from desktop.ui.case_form import checked_value, radio_row
from desktop.ui.ledger_model import PagedTableModel
from desktop.ui.ledger_page import combo
from desktop.ui.messages import MessageBar
from desktop.ui.printing import Printer
from desktop.ui.widgets import Field, button, label
from sync.ledger.catalogue import load_units
from sync.ledger.forms import FormErrors, MailingForm
from sync.ledger.kinds import (
    MAILING_DIRECTION_LABELS,
    MAILING_STATE_LABELS,
    RECEIVER_LABELS,
    MailingDirection,
    Receiver,
)
from sync.ledger.validation import ValidationError


class MailingTableModel(PagedTableModel):
    COLUMNS = (
        ("日期", lambda r: r.business_date[5:]),
        ("方向", lambda r: r.direction),
        ("收件", lambda r: r.to),
        ("内容", lambda r: r.contents),
        ("件数", lambda r: str(r.pieces)),
        ("随寄办件", lambda r: str(r.cases)),
        ("状态", lambda r: r.state_label),
        ("运单号", lambda r: r.tracking_no),
    )

    def __init__(self, queries: MailingQueries, parent=None) -> None:
        super().__init__(parent)
        self.queries = queries

    def _count_rows(self, flt) -> int:
        return self.queries.count(state=flt)

    def _fetch(self, flt, offset: int, limit: int, total: int) -> list[MailingRow]:
        return self.queries.page(offset, limit, state=flt)


class NewMailingDialog(ActionDialog):
    """Materials to a department, or a licence back to the citizen; receipts may be scanned one after another."""

    def __init__(self, counter: Counter, parent=None) -> None:
        super().__init__(
            "登记寄递",
            "登记一件免费寄递。材料寄往部门要选收件部门；证照寄回群众要填收件人和地址。",
            self._submit,
            parent,
            ok_text="保存寄递",
        )
        self.counter = counter
        self.direction_box, self.direction = radio_row(list(MAILING_DIRECTION_LABELS.items()), "direction")
        self.direction.idToggled.connect(lambda *_a: self._switch())
        self.body.addWidget(self.direction_box)
        self.unit = QComboBox(objectName="mailUnit")
        self.unit.addItem("请选择收件部门", "")
        for code, unit in load_units().items():
            self.unit.addItem(unit.name, code)
        self.editors = {
            key: QLineEdit(objectName=f"mail_{key}")
            for key in ("contents", "pieces", "receipts", "recipient_name", "recipient_mobile", "recipient_address")
        }
        self.editors["pieces"].setText("1")
        self.editors["receipts"].setPlaceholderText("随寄办件的回执编号，可连续扫码，用空格隔开（可不填）")
        titles = {
            "unit_code": "收件部门",
            "contents": "寄递内容",
            "pieces": "件数",
            "receipts": "随寄办件",
            "recipient_name": "收件人",
            "recipient_mobile": "收件人手机",
            "recipient_address": "收件地址",
        }
        self.fields["unit_code"] = Field(titles["unit_code"], self.unit)
        for key, editor in self.editors.items():
            self.fields[key] = Field(titles[key], editor)
        self.fields["case_ids"] = self.fields["receipts"]
        for key in titles:
            self.body.addWidget(self.fields[key])
        self.finish_layout()
        self._switch()

    def _switch(self) -> None:
        to_citizen = checked_value(self.direction) == MailingDirection.TO_CITIZEN
        self.fields["unit_code"].setVisible(not to_citizen)
        for key in ("recipient_name", "recipient_mobile", "recipient_address"):
            self.fields[key].setVisible(to_citizen)

    def _submit(self) -> None:
        receipts = [part for part in re.split(r"[\s,，;；]+", self.editors["receipts"].text()) if part]
        try:
            case_ids = case_ids_for_receipts(self.counter, receipts)
        except ValidationError as exc:
            raise FormErrors({"receipts": exc.message}) from None
        to_citizen = checked_value(self.direction) == MailingDirection.TO_CITIZEN
        form = MailingForm(
            checked_value(self.direction),
            unit_code="" if to_citizen else self.unit.currentData(),
            contents=self.editors["contents"].text(),
            pieces=self.editors["pieces"].text(),
            case_ids=case_ids,
        )
        if to_citizen:
            for key in ("recipient_name", "recipient_mobile", "recipient_address"):
                setattr(form, key, self.editors[key].text())
        self.mailing_id = record_mailing(self.counter, form)


class DispatchDialog(ActionDialog):
    def __init__(self, counter: Counter, row: MailingRow, parent=None) -> None:
        super().__init__(
            "交寄",
            f"“{row.contents}”交给邮政后，扫描或输入运单号（扫码枪扫完会自动按回车）。",
            lambda: dispatch(counter, row.mailing_id, self.tracking.text()),
            parent,
            ok_text="保存运单号",
        )
        self.tracking = QLineEdit(objectName="trackingNo")
        self.tracking.returnPressed.connect(self.attempt)
        self.fields["tracking_no"] = Field("运单号", self.tracking)
        self.body.addWidget(self.fields["tracking_no"])
        self.finish_layout()


class HandOverDialog(ActionDialog):
    """已交群众: who took the department's mailing, and whether they signed the printed 领取单."""

    def __init__(self, counter: Counter, row: MailingRow, parent=None) -> None:
        super().__init__(
            "交给群众",
            f"“{row.contents}”（运单号 {row.tracking_no}）当面交给群众。家属代领要填代领人姓名。"
            "可以先打印领取单请领取人签字。",
            self._submit,
            parent,
            ok_text="确认已交群众",
        )
        self.counter, self.row = counter, row
        self.receiver_box, self.receiver = radio_row(
            [(value.value, text) for value, text in RECEIVER_LABELS.items()], "receiver"
        )
        self.receiver.idToggled.connect(lambda *_a: self._switch())
        self.fields["receiver"] = Field("领取人", self.receiver_box)
        self.name = QLineEdit(objectName="receiverName")
        self.name.setPlaceholderText("代领家属的姓名")
        self.fields["receiver_name"] = Field("代领人姓名", self.name)
        self.signed = QCheckBox("领取人已在领取单上签字", objectName="slipSigned")
        self.fields["signed"] = Field("领取单", self.signed)
        for key in ("receiver", "receiver_name", "signed"):
            self.body.addWidget(self.fields[key])
        self.slip_button = button("打印领取单", name="printPickupInDialog")
        self.slip_button.setAutoDefault(False)  # Enter saves the hand-over; printing is asked for by name
        self.ok.setDefault(True)
        self.body.addWidget(self.slip_button)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.finish_layout()
        self._switch()
        self.receiver.buttons()[0].setFocus()  # the first choice: who takes it

    def _switch(self) -> None:
        family = checked_value(self.receiver) == Receiver.FAMILY
        self.fields["receiver_name"].setVisible(family)
        if self.isVisible():
            self.fit()  # the name field takes room: the whole form stays in view

    def form(self) -> HandoverForm:
        family = checked_value(self.receiver) == Receiver.FAMILY
        return HandoverForm(
            receiver=checked_value(self.receiver),
            receiver_name=self.name.text() if family else "",
            signed=self.signed.isChecked(),
        )

    def _submit(self) -> None:
        hand_over(self.counter, self.row.mailing_id, self.form())


class MailingPage(QWidget):
    def __init__(self, counter: Counter, messages: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages = counter, messages
        self.dialog = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.new_button = button("登记寄递", "primary", name="newMailing")
        self.new_button.clicked.connect(self.start_new)
        self.dispatch_button = button("交寄（扫运单号）", name="dispatchMailing")
        self.dispatch_button.clicked.connect(self.start_dispatch)
        self.delivered_button = button("已妥投", name="deliveredMailing")
        self.delivered_button.clicked.connect(self.start_delivered)
        self.slip_button = button("打印交接单", name="printSlip")
        self.slip_button.clicked.connect(self.print_slip)
        self.arrived_button = button("已到代办点", name="arrivedMailing")
        self.arrived_button.clicked.connect(self.start_arrived)
        self.hand_button = button("交给群众", name="handOverMailing")
        self.hand_button.clicked.connect(self.start_hand_over)
        self.pickup_button = button("打印领取单", name="printPickup")
        self.pickup_button.clicked.connect(self.print_pickup)
        self.printer = Printer(counter, messages, self)
        self.state = combo("mailingState", "全部状态", [(s.value, t) for s, t in MAILING_STATE_LABELS.items()])
        self.state.currentIndexChanged.connect(self.refresh)
        self.count_label = label("", wrap=False)
        for widget in (
            self.new_button,
            self.dispatch_button,
            self.delivered_button,
            self.slip_button,
            self.state,
            self.count_label,
        ):
            top.addWidget(widget)
        top.addStretch(1)
        layout.addLayout(top)
        returned = QHBoxLayout()  # 部门回寄: the department's mailings to hand to villagers
        returned.addWidget(label("部门回寄：", wrap=False))
        for widget in (self.arrived_button, self.hand_button, self.pickup_button):
            returned.addWidget(widget)
        returned.addWidget(label("选中一件后按回车，做下一步。", "muted", wrap=False))
        returned.addStretch(1)
        layout.addLayout(returned)
        self.model = MailingTableModel(MailingQueries(counter), self)
        self.table = QTableView(objectName="mailingTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._buttons())
        self.table.activated.connect(lambda *_a: self.next_step())  # Enter on a 部门回寄 row: its next step
        layout.addWidget(self.table, 1)
        layout.addWidget(
            label("证照批文、申请材料免费寄递（活动日在邮政网点办理）。交寄后扫描运单号，群众和部门可以查件。", "muted")
        )

    def refresh(self) -> None:
        self.model.set_filter(self.state.currentData())
        self.count_label.setText(f"共 {self.model.rowCount()} 件")
        self.table.verticalHeader().setDefaultSectionSize(max(self.table.fontMetrics().height() + 16, 40))
        if self.model.rowCount():
            self.table.selectRow(0)
        self._buttons()

    def selected(self) -> MailingRow | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def _buttons(self) -> None:
        row = self.selected()
        own = bool(row and not row.incoming)  # 部门回寄 came from the county: nothing to dispatch or slip here
        self.dispatch_button.setEnabled(own and row.state == "recorded")
        self.delivered_button.setEnabled(own and row.state == "dispatched")
        self.slip_button.setEnabled(own)
        incoming = bool(row and row.incoming)
        self.arrived_button.setEnabled(incoming and row.state == "dispatched")
        self.hand_button.setEnabled(incoming and row.state == "arrived")
        self.pickup_button.setEnabled(incoming and row.state in ("arrived", "handed_over"))

    def next_step(self) -> ActionDialog | None:
        """A return mailing's next step at the counter: 已到代办点, then 交给群众."""
        row = self.selected()
        if row is None or not row.incoming:
            return None
        if row.state == "dispatched":
            return self.start_arrived()
        if row.state == "arrived":
            return self.start_hand_over()
        return None

    def print_pickup(self):
        row = self.selected()
        if row is None:
            return None
        return self.printer.print_pdf("领取单", lambda: pickup_slip_pdf(self.counter, row.mailing_id))

    def start_arrived(self) -> ActionDialog | None:
        row = self.selected()
        if row is None:
            return None
        return self._open(
            confirm_dialog(
                "已到代办点",
                f"确认部门寄回的“{row.contents}”（运单号 {row.tracking_no}）已经送到本代办点了吗？",
                lambda: arrived(self.counter, row.mailing_id),
                self,
                ok_text="确认已到代办点",
            )
        )

    def start_hand_over(self) -> ActionDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = HandOverDialog(self.counter, row, self)
        dialog.slip_button.clicked.connect(self.print_pickup)
        return self._open(dialog)

    def print_slip(self):
        row = self.selected()
        if row is None:
            return None
        return self.printer.print_pdf("寄递交接单", lambda: mailing_slip_pdf(self.counter, row.mailing_id))

    def _open(self, dialog) -> ActionDialog:
        self.dialog = dialog
        dialog.accepted.connect(self._saved)
        dialog.fallback_focus = lambda: self.table  # the opener is disabled once its step is done
        dialog.open()
        return dialog

    def _saved(self) -> None:
        self.refresh()
        self.messages.show_message("寄递记录已保存。")
        window = self.window()
        if hasattr(window, "events"):
            window.events.changed.emit()

    def start_new(self) -> ActionDialog:
        return self._open(NewMailingDialog(self.counter, self))

    def start_dispatch(self) -> ActionDialog | None:
        row = self.selected()
        return self._open(DispatchDialog(self.counter, row, self)) if row else None

    def start_delivered(self) -> ActionDialog | None:
        row = self.selected()
        if row is None:
            return None
        return self._open(
            confirm_dialog(
                "已妥投",
                f"确认“{row.contents}”（运单号 {row.tracking_no}）已经送到了吗？",
                lambda: delivered(self.counter, row.mailing_id),
                self,
                ok_text="确认已妥投",
            )
        )
