"""The case form's item-specific fields (事项专属信息), built from the catalogue's declaration of the chosen item.

Defaults cost no keys: a field the agent leaves blank is filled by the shared rule when the form is saved
(the placeholder says with what), and the operator is picked from the number as it is typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QComboBox, QGridLayout, QLineEdit, QWidget

from desktop.ui.enter_chain import mark_optional
from desktop.ui.widgets import Field
from sync.ledger.catalogue import Item
from sync.ledger.item_fields import (
    DEFAULT_APPLICANT_MOBILE,
    FieldKind,
    ItemField,
    default_source,
    default_value,
)


class ItemFieldsBox(QWidget):
    """One labelled editor per declared field, two to a row; ``values()`` gives them keyed by field code."""

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemFields")
        self.today = today
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(16)
        self.declared: tuple[ItemField, ...] = ()
        self.fields: dict[str, Field] = {}
        self.applicant_mobile = ""
        self._chosen_by_hand: set[str] = set()

    def set_item(self, item: Item | None) -> None:
        for field in self.fields.values():
            field.deleteLater()
        self.fields, self._chosen_by_hand = {}, set()
        self.declared = item.fields if item is not None else ()
        for n, declared in enumerate(self.declared):
            # Enter walks only what must be typed: a field with a default (the applicant's phone, this year) or
            # none needed is left to Tab (enter_chain.py)
            editor = mark_optional(self._editor(declared), self._enter_skips(declared))
            field = Field(declared.label + ("" if declared.required else "（可不填）"), editor, declared.hint, self)
            self.fields[declared.code] = field
            self.grid.addWidget(field, n // 2, n % 2)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.setVisible(bool(self.declared))
        self._follow()

    def _editor(self, declared: ItemField) -> QWidget:
        if declared.kind is FieldKind.CHOICE:
            combo = QComboBox(self, objectName=f"detail_{declared.code}")
            combo.addItem("（请选择）", "")
            for choice in declared.choices:
                combo.addItem(choice.label, choice.code)
            combo.activated.connect(lambda _i, code=declared.code: self._chosen_by_hand.add(code))
            return combo
        editor = QLineEdit(self, objectName=f"detail_{declared.code}")
        editor.setMaxLength(40)
        editor.returnPressed.connect(self.focusNextChild)
        editor.textChanged.connect(lambda _text: self._follow())
        if declared.default == DEFAULT_APPLICANT_MOBILE:
            editor.setPlaceholderText("不填就是申请人的手机号")
        elif declared.default:
            shown = default_value(declared, {}, applicant_mobile="", business_date=self.today())
            editor.setPlaceholderText(f"不填就是 {shown}" if shown else "")
        return editor

    def editors(self) -> list[QWidget]:
        return [field.editor for field in self.fields.values()]

    def set_applicant_mobile(self, text: str) -> None:
        self.applicant_mobile = text
        for declared in self.declared:  # the number paid for is asked by Enter only when no phone stands in for it
            mark_optional(self.fields[declared.code].editor, self._enter_skips(declared))
        self._follow()

    def _enter_skips(self, declared: ItemField) -> bool:
        if not declared.required:
            return True
        if declared.default == DEFAULT_APPLICANT_MOBILE:
            return bool(self.applicant_mobile.strip())
        return bool(declared.default)

    def _typed(self) -> dict[str, str]:
        out = {}
        for code, field in self.fields.items():
            editor = field.editor
            out[code] = editor.currentData() if isinstance(editor, QComboBox) else editor.text()
        return out

    def _follow(self) -> None:
        """Choices that follow another field (the operator from the number) move with it, until chosen by hand."""
        typed = self._typed()
        for declared in self.declared:
            editor = self.fields[declared.code].editor
            if not isinstance(editor, QComboBox) or declared.code in self._chosen_by_hand:
                continue
            source = default_source(declared)
            if source is None:
                continue
            values = dict(typed)
            for other in self.declared:  # the number itself may be left to its default
                if not values.get(other.code) and other.default == DEFAULT_APPLICANT_MOBILE:
                    values[other.code] = self.applicant_mobile
            code = default_value(declared, values, applicant_mobile=self.applicant_mobile, business_date=self.today())
            editor.setCurrentIndex(max(0, editor.findData(code)))

    def values(self) -> dict[str, str]:
        return {code: value for code, value in self._typed().items() if value}
