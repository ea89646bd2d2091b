"""The correction dialog's item-specific fields (更正事项专属信息): only what the agent changes is sent.

Non-personal values (the operator, the year, the card's last four digits) start as the case holds them;
personal ones (the number topped up, the account number, the insured person) start empty, with the stored
value shown masked in the title, and an empty one means "unchanged", as for the applicant's own fields.
A choice that follows a number (the operator from the number's prefix) moves with a newly typed number
until it is chosen by hand.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGridLayout, QLineEdit, QWidget

from desktop.services.case_detail import CaseDetail
from desktop.ui.widgets import Field
from sync.ledger.item_fields import FieldKind, ItemField, choice_by_prefix, default_source
from sync.ledger.validation import ValidationError, normalize_mobile


class AmendItemFields(QWidget):
    """One editor per field the case's item declares; ``changes()`` gives the changed ones by field code."""

    def __init__(self, detail: CaseDetail, fields: dict[str, Field], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("amendItemFields")
        self.detail = detail
        self.editors: dict[str, QWidget] = {}
        self._chosen_by_hand: set[str] = set()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        for n, declared in enumerate(detail.item.fields):
            editor = self._editor(declared)
            self.editors[declared.code] = editor
            now = detail.detail_shown.get(declared.code, "未填")
            title = f"{declared.label}（现为 {now}）" if declared.personal else declared.label
            fields[declared.code] = Field(title, editor, "", self)
            fields[declared.code].title.setWordWrap(True)
            grid.addWidget(fields[declared.code], n // 2, n % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def _editor(self, declared: ItemField) -> QWidget:
        current = self.detail.detail_values.get(declared.code, "")
        if declared.kind is FieldKind.CHOICE:
            combo = QComboBox(self, objectName=f"amend_detail_{declared.code}")
            if not current:
                combo.addItem("（请选择）", "")
            for choice in declared.choices:
                combo.addItem(choice.label, choice.code)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.activated.connect(lambda _i, code=declared.code: self._chosen_by_hand.add(code))
            return combo
        editor = QLineEdit(self, objectName=f"amend_detail_{declared.code}")
        editor.setMaxLength(40)
        if declared.personal:
            editor.setPlaceholderText("不改就留空")
        else:
            editor.setText(current)
        editor.textChanged.connect(lambda _text, code=declared.code: self._follow(code))
        return editor

    def _follow(self, changed: str) -> None:
        """A choice worked out from the field just typed follows it (unless chosen by hand)."""
        for declared in self.detail.item.fields:
            combo = self.editors[declared.code]
            if default_source(declared) != changed or declared.code in self._chosen_by_hand:
                continue
            if not isinstance(combo, QComboBox):
                continue
            try:
                number = normalize_mobile(self.editors[changed].text())
            except ValidationError:
                continue
            if (code := choice_by_prefix(declared, number)) is not None:
                combo.setCurrentIndex(max(0, combo.findData(code)))

    def changes(self) -> dict[str, str]:
        out = {}
        for declared in self.detail.item.fields:
            editor = self.editors[declared.code]
            value = editor.currentData() if isinstance(editor, QComboBox) else editor.text().strip()
            if declared.personal:
                if value:
                    out[declared.code] = value
            elif value != self.detail.detail_values.get(declared.code, ""):
                out[declared.code] = value
        return out
