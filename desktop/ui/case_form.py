"""The case form's fields (填写信息): applicant, ID checked as typed, materials checklist, amount, notes, consent."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from desktop.ui.enter_chain import mark_optional
from desktop.ui.widgets import Field, label
from sync.ledger.catalogue import Item
from sync.ledger.forms import CaseForm
from sync.ledger.kinds import SERVICE_MODE_LABELS
from sync.ledger.validation import ValidationError, check_resident_id, normalize_credit_code, normalize_mobile

MODE_TIPS = {"point": "（店里）", "home": "（上门）", "activity_day": ""}


def radio_row(options: list[tuple[str, str]], name: str) -> tuple[QWidget, QButtonGroup]:
    box = QWidget()
    box.setObjectName(name)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    group = QButtonGroup(box)
    for n, (value, text) in enumerate(options):
        radio = QRadioButton(text)
        radio.setProperty("value", value)
        radio.setChecked(n == 0)
        group.addButton(radio, n)
        row.addWidget(radio)
    row.addStretch(1)
    return box, group


def checked_value(group: QButtonGroup) -> str:
    chosen = group.checkedButton()
    return chosen.property("value") if chosen is not None else ""


def set_checked(group: QButtonGroup, value: str) -> None:
    for radio in group.buttons():
        radio.setChecked(radio.property("value") == value)


class MaterialsChecklist(QWidget):
    """One row per material in the item's guide: 已收到 or 缺少; the missing ones make the one-time notice."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("materials")
        self.layout_ = QGridLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.groups: dict[str, QButtonGroup] = {}
        self.rows: list[QWidget] = []

    def set_item(self, item: Item | None, values: dict[str, str] | None = None) -> None:
        for widget in self.rows:
            widget.deleteLater()
        self.rows, self.groups = [], {}
        if item is None:
            return
        for n, material in enumerate(item.guide.materials):
            need = "必需" if material.required else "需要时"
            text = label(f"{material.name}（{material.form_label} {material.copies} 份，{need}）")
            got, missing = QRadioButton("已收到"), QRadioButton("缺少")
            got.setObjectName(f"got_{material.code}")
            missing.setObjectName(f"missing_{material.code}")
            group = QButtonGroup(self)
            group.addButton(got)
            group.addButton(missing)
            got.setProperty("value", "received")
            missing.setProperty("value", "missing")
            group.buttonToggled.connect(lambda *_args: self.changed.emit())
            self.groups[material.code] = group
            for column, widget in enumerate((text, got, missing)):
                self.layout_.addWidget(widget, n, column)
                self.rows.append(widget)
            if values and material.code in values:
                set_checked(group, values[material.code])
        self.layout_.setColumnStretch(0, 1)

    def values(self) -> dict[str, str]:
        return {code: value for code, group in self.groups.items() if (value := checked_value(group))}

    def set_all(self, value: str) -> None:
        for group in self.groups.values():
            set_checked(group, value)


class ApplicantFields(QWidget):
    """Who is served: a person (resident ID) or an organisation (credit code); checked as soon as complete."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        self.kind_box, self.kind = radio_row(
            [("person", "个人"), ("org", "单位（企业、个体户、村集体）")], "applicantKind"
        )
        self.kind.idToggled.connect(lambda *_a: self._relabel())
        self.name = QLineEdit(objectName="name")
        self.number = QLineEdit(objectName="idNumber")
        self.number.setMaxLength(40)
        self.mobile = mark_optional(QLineEdit(objectName="mobile"))
        self.mobile.setMaxLength(20)
        self.village = mark_optional(QLineEdit(objectName="village"))
        self.fields = {
            "name": Field("姓名", self.name, "生僻字可用输入法的“生僻字”功能输入"),  # a hint that wraps, not cut off
            "number": Field("身份证号码", self.number),
            "mobile": Field("手机号码（可不填）", self.mobile),
            "village": Field("村（组）", self.village),
        }
        grid.addWidget(label("申请人："), 0, 0, 1, 2)
        grid.addWidget(self.kind_box, 1, 0, 1, 2)
        grid.addWidget(self.fields["name"], 2, 0)
        grid.addWidget(self.fields["number"], 2, 1)
        grid.addWidget(self.fields["mobile"], 3, 0)
        grid.addWidget(self.fields["village"], 3, 1)
        grid.setAlignment(self.fields["name"], Qt.AlignmentFlag.AlignTop)
        grid.setAlignment(self.fields["number"], Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.number.setPlaceholderText("18 位，最后一位可以是 X")
        self.number.editingFinished.connect(self.check_number)
        self.number.textChanged.connect(self._number_typed)
        self.mobile.editingFinished.connect(self.check_mobile)

    @property
    def is_org(self) -> bool:
        return checked_value(self.kind) == "org"

    def _relabel(self) -> None:
        self.fields["name"].title.setText("单位名称" if self.is_org else "姓名")
        self.fields["number"].title.setText("统一社会信用代码" if self.is_org else "身份证号码")
        self.number.setPlaceholderText("18 位，见营业执照" if self.is_org else "18 位，最后一位可以是 X")
        self.fields["number"].set_error("")

    def _number_typed(self, text: str) -> None:
        if len("".join(text.split())) >= 18:
            self.check_number()
        else:
            self.fields["number"].set_error("")

    def check_number(self) -> None:
        """The ID (or credit code) is checked with the ledger's own rules; the reason is shown beside it."""
        text, field = self.number.text(), self.fields["number"]
        if not text.strip():
            field.set_error("")
            return
        try:
            if self.is_org:
                normalize_credit_code(text)
                field.set_ok("代码校验正确")
            else:
                found = check_resident_id(text)
                field.set_ok(f"号码正确：{found.birth_date:%Y年%m月%d日}出生，{found.sex}")
        except ValidationError as exc:
            field.set_error(exc.message)

    def check_mobile(self) -> None:
        text = self.mobile.text()
        try:
            if text.strip():
                normalize_mobile(text)
            self.fields["mobile"].set_error("")
        except ValidationError as exc:
            self.fields["mobile"].set_error(exc.message)

    def fill(self, form: CaseForm) -> None:
        form.applicant_kind = checked_value(self.kind)
        form.name, form.mobile, form.village = self.name.text(), self.mobile.text(), self.village.text()
        if self.is_org:
            form.credit_code = self.number.text()
        else:
            form.id_number = self.number.text()

    def clear(self) -> None:
        for editor in (self.name, self.number, self.mobile, self.village):
            editor.clear()
        for field in self.fields.values():
            field.set_error("")
        set_checked(self.kind, "person")


class NotesField(QPlainTextEdit):
    def __init__(self) -> None:
        super().__init__(objectName="notes")
        self.setTabChangesFocus(True)
        self.setPlaceholderText("需要记下的情况（可不填）")
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 24)


def consent_box() -> QCheckBox:
    box = QCheckBox("已向群众说明用途，本人同意登记个人信息")
    box.setObjectName("consent")
    return box


MODE_OPTIONS = [(value, f"{text}{MODE_TIPS[value]}") for value, text in SERVICE_MODE_LABELS.items()]
