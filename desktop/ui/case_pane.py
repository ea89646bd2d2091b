"""The case detail pane: fields (masked), materials, the timeline of events, and the actions the case allows."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QScrollArea, QVBoxLayout, QWidget

from desktop.services import case_actions, evidence
from desktop.services.case_detail import CaseDetail, load_detail, reveal_numbers
from desktop.services.printouts import receipt_pdf
from desktop.services.session import Counter
from desktop.ui.case_dialogs import AmendDialog, SendDialog, VoidDialog, confirm_dialog
from desktop.ui.evidence_attach import open_attach
from desktop.ui.evidence_box import EvidenceBox
from desktop.ui.messages import MessageBar
from desktop.ui.printing import Printer
from desktop.ui.widgets import button, label
from sync.ledger.kinds import CaseState, EventType

REVEAL_TEXT = (
    "完整号码只在核对群众信息时查看。\n查看会记在本机的查看记录里（时间、回执编号和查看的项目，不记号码本身），"
    "县里检查时可以调阅。确定要查看吗？"
)


class CasePane(QScrollArea):
    """``changed`` after an action was saved (the table and home screen refresh)."""

    changed = Signal()

    def __init__(self, counter: Counter, messages: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages = counter, messages
        self.printer = Printer(counter, messages, self)
        self.detail: CaseDetail | None = None
        self.dialog = None
        self.focus_fallback: Callable[[], QWidget | None] | None = None  # where the focus goes if its button went
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 0, 12, 0)
        self.title = label("在左边选一笔办件，这里显示详情", "heading")
        self.title.setObjectName("detailTitle")
        layout.addWidget(self.title)
        self.actions = QGridLayout()
        self.action_buttons = {}
        for event_type, text, role in (
            (EventType.CASE_COMPLETED, "办结", "primary"),
            (EventType.MATERIALS_SENT, "寄送材料", "primary"),
            (EventType.CASE_AMENDED, "更正", ""),
            (EventType.CASE_VOIDED, "作废", "danger"),
        ):
            widget = button(text, role, name=f"action_{event_type.value}")
            widget.clicked.connect(lambda _c=False, e=event_type: self.start_action(e))
            self.action_buttons[event_type] = widget
        self.reprint_button = button("补打回执", name="reprintReceipt")
        self.reprint_button.clicked.connect(self.reprint)
        layout.addLayout(self.actions)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(1, 1)
        self.values: dict[str, object] = {}
        for n, (key, text) in enumerate(
            (
                ("receipt", "回执编号"),
                ("date", "登记日期"),
                ("mode", "服务方式"),
                ("name", "申请人"),
                ("number", "证件号码"),
                ("mobile", "手机号码"),
                ("village", "村（组）"),
                ("amount", "金额（元）"),
                ("details", "缴费信息"),
                ("notes", "备注"),
                ("void", "作废原因"),
                ("county", "部门说明"),
                ("due", "办结时限"),
            )
        ):
            caption, value = label(text + "：", "muted", wrap=False), label("", selectable=True)
            value.setObjectName(f"detail_{key}")
            self.grid.addWidget(caption, n, 0)
            self.grid.addWidget(value, n, 1)
            self.values[key] = (caption, value)
        layout.addLayout(self.grid)
        self.reveal_button = button("显示完整号码", name="revealButton")
        self.reveal_button.clicked.connect(self.start_reveal)
        layout.addWidget(self.reveal_button)
        self.materials = label("")
        self.materials.setObjectName("detailMaterials")
        layout.addWidget(self.materials)
        self.evidence = EvidenceBox(counter)
        self.evidence.attach_requested.connect(self.start_attach)
        self.evidence.print_requested.connect(self.print_images)
        layout.addWidget(self.evidence)
        layout.addWidget(label("办理经过", "heading"))
        self.timeline = label("")
        self.timeline.setObjectName("timeline")
        layout.addWidget(self.timeline)
        layout.addStretch(1)
        self.setWidget(body)
        self.show_case(None)

    def _set(self, key: str, text: str) -> None:
        caption, value = self.values[key]
        value.setText(text)
        caption.setVisible(bool(text))
        value.setVisible(bool(text))

    def show_case(self, case_id: str | None) -> None:
        self.detail = load_detail(self.counter, case_id) if case_id else None
        d = self.detail
        for key in self.values:
            self._set(key, "")
        self.reveal_button.setVisible(bool(d and (d.id_masked or d.mobile_masked)))
        self.materials.setText("")
        self.timeline.setText("")
        for widget in self.action_buttons.values():
            widget.setVisible(bool(d and widget is not None))
        self.reprint_button.setVisible(d is not None)
        self.evidence.show_case(d, may_attach=bool(d and d.state is not CaseState.VOIDED and d.item.guide.materials))
        if d is None:
            self.title.setText("在左边选一笔办件，这里显示详情")
            for widget in self.action_buttons.values():
                widget.hide()
            return
        self.title.setText(f"{d.item.name}（{d.state_label}）")
        for key, text in (
            ("receipt", d.receipt_no),
            ("date", d.business_date),
            ("mode", d.mode_label),
            ("name", d.name),
            ("number", d.id_masked),
            ("mobile", d.mobile_masked),
            ("village", d.village),
            ("amount", d.amount),
            ("details", d.details),
            ("notes", d.notes),
            ("void", d.void_reason),
            ("county", d.county_note),
            ("due", d.due),
        ):
            self._set(key, text)
        if d.materials:
            self.materials.setText(
                "材料：\n"
                + "\n".join(
                    f"  {'✓' if status == '已收到' else '✗'} {name}（{status}）" for name, status in d.materials
                )
            )
        self.timeline.setText("\n".join(f"{e.at}  {e.what}（{e.sync}）" for e in d.timeline))
        for event_type, widget in self.action_buttons.items():
            widget.setVisible(event_type in d.actions)
        self._layout_actions()

    def _layout_actions(self) -> None:
        """The buttons the case allows, two to a row, so they fit the pane in every text size."""
        shown = [w for w in (*self.action_buttons.values(), self.reprint_button) if not w.isHidden()]
        for widget in (*self.action_buttons.values(), self.reprint_button):
            self.actions.removeWidget(widget)
        for n, widget in enumerate(shown):
            self.actions.addWidget(widget, n // 2, n % 2)

    # ---- actions ----

    def start_action(self, event_type: EventType):
        d = self.detail
        if d is None or event_type not in d.actions:
            return None
        if event_type is EventType.CASE_VOIDED:
            self.dialog = VoidDialog(d, lambda reason: case_actions.void(self.counter, d.case_id, reason), self)
        elif event_type is EventType.CASE_COMPLETED:
            self.dialog = confirm_dialog(
                "办结",
                f"确认回执 {d.receipt_no}（{d.item.name}）已经办好了吗？办结后计入积分。",
                lambda: case_actions.complete(self.counter, d.case_id),
                self,
                ok_text="确认办结",
            )
        elif event_type is EventType.CASE_AMENDED:
            self.dialog = AmendDialog(d, lambda changes, pii: case_actions.amend(self.counter, d, changes, pii), self)
        else:
            units = [(unit.code, unit.name) for unit in self.counter.catalogue.units_of(d.item)]
            self.dialog = SendDialog(
                d,
                units,
                lambda unit, contents, pieces: case_actions.send_by_mailing(
                    self.counter, d, contents=contents, pieces=pieces, unit_code=unit
                ),
                self,
            )
        self.dialog.accepted.connect(self._done)
        self.dialog.fallback_focus = self.focus_fallback
        self.dialog.open()
        return self.dialog

    def start_attach(self):
        d = self.detail
        if d is None:
            return None
        self.dialog = open_attach(self.counter, d, self, self._done)
        self.dialog.fallback_focus = self.focus_fallback
        return self.dialog

    def print_images(self):
        if self.detail is None:
            return None
        detail = self.detail
        return self.printer.print_pdf("材料影像", lambda: evidence.images_pdf(self.counter, detail))

    def reprint(self):
        if self.detail is None:
            return None
        case_id = self.detail.case_id
        return self.printer.print_pdf("回执（补打）", lambda: receipt_pdf(self.counter, case_id, reprint=True))

    def _done(self) -> None:
        case_id = self.detail.case_id if self.detail else None
        self.show_case(case_id)
        self.messages.show_message(f"已保存：{self.title.text()}")
        self.changed.emit()

    def start_reveal(self):
        d = self.detail
        if d is None:
            return None

        def reveal() -> None:
            shown = reveal_numbers(self.counter, d.case_id, "核对群众信息")
            if "id_number" in shown or "credit_code" in shown:
                self._set("number", shown.get("id_number") or shown["credit_code"])
            if "mobile" in shown:
                self._set("mobile", shown["mobile"])
            self.reveal_button.hide()

        self.dialog = confirm_dialog("显示完整号码", REVEAL_TEXT, reveal, self, ok_text="确认查看")
        self.dialog.fallback_focus = self.focus_fallback
        self.dialog.open()
        return self.dialog
