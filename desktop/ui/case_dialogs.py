"""Dialogs for acting on a case: confirm, void with a reason, correct, and send the materials by free mailing."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.services.case_detail import CaseDetail
from desktop.ui.amend_fields import AmendItemFields
from desktop.ui.case_form import MODE_OPTIONS, MaterialsChecklist, checked_value, radio_row, set_checked
from desktop.ui.widgets import Field, button, label
from sync.ledger.forms import FormErrors
from sync.ledger.kinds import CASE_PII_FIELDS

VOID_REASONS = ("录错了事项", "群众取消办理", "重复登记", "金额录错，重新登记")


class ActionDialog(QDialog):
    """A small window-modal dialog: ``attempt`` runs the action; FormErrors stay beside their fields."""

    def __init__(
        self,
        title: str,
        intro: str,
        action: Callable[[], None] | None,
        parent: QWidget | None,
        *,
        ok_text: str = "确定",
        danger: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.action = action
        outer = QVBoxLayout(self)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(0, 0, 8, 0)
        self.scroll.setWidget(inner)
        outer.addWidget(self.scroll, 1)
        self._outer = outer
        self.intro = label(intro)
        self.intro.setObjectName("dialogIntro")
        self.body.addWidget(self.intro)
        self.fields: dict[str, Field] = {}
        self.error = label("", "error")
        self.error.hide()
        self.buttons = QHBoxLayout()
        self.ok = button(ok_text, "danger" if danger else "primary", name="dialogOk")
        self.ok.clicked.connect(self.attempt)
        cancel = button("取消", name="dialogCancel")
        cancel.clicked.connect(self.reject)
        self.buttons.addWidget(self.ok)
        self.buttons.addStretch(1)
        self.buttons.addWidget(cancel)
        self.setMinimumWidth(640)
        # where the focus goes back to when the dialog closes: the widget that opened it (by keyboard, the focused
        # one), else what ``fallback_focus`` names (the list being worked in) when the opener has gone
        self.return_focus: QWidget | None = QApplication.focusWidget()
        self.fallback_focus: Callable[[], QWidget | None] | None = None
        self.finished.connect(self._back_to_window)

    def _back_to_window(self) -> None:
        """Closed: the window under it is active again, and once the result is handled the focus goes back."""
        host = self.parentWidget().window() if self.parentWidget() is not None else None
        if host is not None:
            host.activateWindow()
        QTimer.singleShot(0, self, self._give_focus_back)

    def _give_focus_back(self) -> None:
        def usable(widget: QWidget | None) -> bool:
            return widget is not None and isValid(widget) and widget.isVisible() and widget.isEnabled()

        target = self.return_focus
        if not usable(target):
            target = self.fallback_focus() if self.fallback_focus is not None else None
        if usable(target):
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def finish_layout(self) -> None:
        self.body.addStretch(1)
        self._outer.addWidget(self.error)
        self._outer.addLayout(self.buttons)

    def fit(self) -> None:
        """As tall as the content needs, but never taller than the window: the rest scrolls."""
        host = self.parentWidget().window() if self.parentWidget() else None
        limit_w, limit_h = (host.width() * 0.9, host.height() * 0.94) if host else (1230, 720)
        content = self.scroll.widget().sizeHint()
        extra = self.ok.sizeHint().height() + self.error.sizeHint().height() * self.error.isVisible() + 48
        width = int(min(max(content.width() + 40, 720), limit_w))
        self.resize(width, int(min(content.height() + extra, limit_h)))

    def showEvent(self, event) -> None:
        self.fit()
        super().showEvent(event)

    def attempt(self) -> bool:
        for field in self.fields.values():
            field.set_error("")
        self.error.hide()
        try:
            if self.action is not None:
                self.action()
        except FormErrors as exc:
            other = []
            for key, message in exc.errors.items():
                target = self.fields.get(key) or self.fields.get(key.split(".")[0])
                if target is not None:
                    target.set_error(message)
                else:
                    other.append(message)
            self.error.setText("\n".join(other))
            self.error.setVisible(bool(other))
            return False
        except Exception as exc:  # a known failure is shown here; a bug goes on to the crash dialog
            from desktop.services.failures import classify

            known = classify(exc)
            if known is None:
                raise
            self.error.setText(known.message)
            self.error.show()
            return False
        self.accept()
        return True


def confirm_dialog(title: str, text: str, action: Callable[[], None], parent, *, ok_text: str) -> ActionDialog:
    dialog = ActionDialog(title, text, action, parent, ok_text=ok_text)
    dialog.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # only words to read: the focus starts on the button
    dialog.finish_layout()
    return dialog


class VoidDialog(ActionDialog):
    def __init__(self, detail: CaseDetail, do_void: Callable[[str], None], parent=None) -> None:
        super().__init__(
            "作废办件",
            f"作废回执 {detail.receipt_no}（{detail.item.name}）。作废后不能恢复，也不计积分。",
            lambda: do_void(self.reason.text()),
            parent,
            ok_text="确认作废",
            danger=True,
        )
        self.reason = QLineEdit(objectName="voidReason")
        self.reason.setPlaceholderText("必须写明为什么作废")
        self.fields["reason"] = Field("作废原因", self.reason)
        self.body.addWidget(self.fields["reason"])
        quick = QHBoxLayout()
        for text in VOID_REASONS:
            choice = button(text, "chip")
            choice.clicked.connect(lambda _c=False, t=text: self.reason.setText(t))
            quick.addWidget(choice)
        self.body.addLayout(quick)
        self.finish_layout()


class AmendDialog(ActionDialog):
    """Only what the agent changes is sent; empty personal fields mean “unchanged”."""

    def __init__(self, detail: CaseDetail, do_amend: Callable[[dict, dict], None], parent=None) -> None:
        super().__init__(
            "更正办件",
            f"更正回执 {detail.receipt_no}（{detail.item.name}）。只改需要改的，其他保持不动。",
            self._submit,
            parent,
            ok_text="保存更正",
        )
        self.detail, self.do_amend = detail, do_amend
        grid = QGridLayout()
        self.mode_box, self.mode = radio_row(MODE_OPTIONS, "amendMode")
        set_checked(self.mode, detail.mode)
        grid.addWidget(label("服务方式：", wrap=False), 0, 0)
        grid.addWidget(self.mode_box, 0, 1, 1, 3)
        org = detail.applicant_kind == "org"
        self.editors = {
            key: QLineEdit(objectName=f"amend_{key}")
            for key in ("name", "credit_code" if org else "id_number", "mobile", "village", "amount_fen", "notes")
        }
        number_key = "credit_code" if org else "id_number"
        for key in ("name", number_key, "mobile"):
            self.editors[key].setPlaceholderText("不改就留空")
        self.editors["village"].setText(detail.village)
        self.editors["amount_fen"].setText(detail.amount)
        self.editors["notes"].setText(detail.notes)
        titles = {
            "name": f"{'单位名称' if org else '姓名'}（现为 {detail.name}）",
            number_key: f"{'统一社会信用代码' if org else '身份证号码'}（现为 {detail.id_masked}）",
            "mobile": f"手机号码（现为 {detail.mobile_masked or '未填'}）",
            "village": "村（组）",
            "amount_fen": "金额（元）",
            "notes": "备注",
        }
        shown = [key for key in self.editors if key != "amount_fen" or detail.item.takes_amount]
        for n, key in enumerate(shown):
            self.fields[key] = Field(titles[key], self.editors[key])
            self.fields[key].title.setWordWrap(True)
            grid.addWidget(self.fields[key], 1 + n // 2, (n % 2) * 2, 1, 2, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(grid)
        self.own = AmendItemFields(detail, self.fields)
        if detail.item.fields:
            self.body.addWidget(label("事项专属信息"))
            self.body.addWidget(self.own)
        self.materials = MaterialsChecklist()
        if detail.item.guide.materials:
            self.body.addWidget(label("材料清单"))
            self.materials.set_item(detail.item, detail.materials_raw)
            self.body.addWidget(self.materials)
        self.fields["materials"] = Field("", QWidget())
        self.fields["materials"].title.hide()
        self.body.addWidget(self.fields["materials"])
        self.finish_layout()

    def changes(self) -> tuple[dict, dict]:
        d, changes = self.detail, {}
        mode = checked_value(self.mode)
        if mode != d.mode:
            changes["mode"] = mode
        for key, current in (("village", d.village), ("notes", d.notes)):
            if self.editors[key].text().strip() != current:
                changes[key] = self.editors[key].text()
        if d.item.takes_amount and self.editors["amount_fen"].text().strip() != d.amount:
            changes["amount_fen"] = self.editors["amount_fen"].text()
        materials = self.materials.values()
        if d.item.guide.materials and materials != d.materials_raw:
            changes["materials"] = materials
        if own := self.own.changes():
            changes["details"] = own
        pii = {
            key: editor.text()
            for key, editor in self.editors.items()
            if key in CASE_PII_FIELDS and editor.text().strip()
        }
        return changes, pii

    def _submit(self) -> None:
        changes, pii = self.changes()
        self.do_amend(changes, pii)


class SendDialog(ActionDialog):
    """Approval materials go to the department by free mailing (免费寄递); recorded with the case's 送交."""

    def __init__(
        self, detail: CaseDetail, units: list[tuple[str, str]], do_send: Callable[[str, str, str], None], parent=None
    ) -> None:
        super().__init__(
            "寄送材料",
            f"把回执 {detail.receipt_no}（{detail.item.name}）的材料免费寄给审批部门。"
            "交给邮政后，请到“寄递”页扫描运单号。",
            lambda: do_send(self.unit.currentData(), self.contents.text(), self.pieces.text()),
            parent,
            ok_text="登记寄递",
        )
        self.unit = QComboBox(objectName="sendUnit")
        for code, name in units:
            self.unit.addItem(name, code)
        self.contents = QLineEdit(f"{detail.item.name}申请材料", objectName="sendContents")
        self.pieces = QLineEdit("1", objectName="sendPieces")
        self.fields["unit_code"] = Field("收件部门", self.unit)
        self.fields["contents"] = Field("寄递内容", self.contents)
        self.fields["pieces"] = Field("件数", self.pieces)
        for field in self.fields.values():
            self.body.addWidget(field)
        self.finish_layout()
