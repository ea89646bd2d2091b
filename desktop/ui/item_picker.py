"""Picking the item (选事项): type Chinese, full pinyin or initials, or pick by category or from the most used."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.services.items import ItemIndex
from desktop.ui.widgets import button, label
from sync.ledger.catalogue import CLASS_LABELS, Catalogue, Item

ALL, FREQUENT = "", "常用"


class ItemPicker(QWidget):
    """Emits ``picked(Item)`` on Enter or a click; Down moves from the search box into the list."""

    picked = Signal(object)

    def __init__(self, catalogue: Catalogue, index: ItemIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalogue, self.index = catalogue, index
        self.usage: dict[str, int] = {}
        self.category = ALL
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label("① 选事项", "heading"))
        self.search = QLineEdit()
        self.search.setObjectName("itemSearch")
        self.search.setPlaceholderText("名称或拼音首字母，如 jnhf")  # whole at 特大 too
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.update_list)
        self.search.returnPressed.connect(self.pick_current)
        self.search.installEventFilter(self)
        layout.addWidget(self.search)
        chips = QGridLayout()
        chips.setSpacing(4)
        self.chip_group = QButtonGroup(self)
        for n, name in enumerate((ALL, FREQUENT, *catalogue.categories())):
            chip = button(name or "全部", "chip")
            chip.setCheckable(True)
            chip.setChecked(name == ALL)
            chip.clicked.connect(lambda _c=False, value=name: self.set_category(value))
            self.chip_group.addButton(chip)
            chips.addWidget(chip, n // 3, n % 3)
        layout.addLayout(chips)
        self.list = QListWidget()
        self.list.setObjectName("itemList")
        self.list.itemActivated.connect(lambda entry: self.picked.emit(entry.data(Qt.ItemDataRole.UserRole)))
        self.list.itemClicked.connect(lambda entry: self.picked.emit(entry.data(Qt.ItemDataRole.UserRole)))
        layout.addWidget(self.list, 1)
        self.update_list()

    def set_usage(self, usage: dict[str, int]) -> None:
        self.usage = usage
        self.update_list()

    def set_category(self, category: str) -> None:
        self.category = category
        self.update_list()

    def update_list(self) -> None:
        text = self.search.text()
        if self.category == FREQUENT:
            found = [item for item in self.index.search(text, usage=self.usage) if self.usage.get(item.code)]
        else:
            found = self.index.search(text, category=self.category or None, usage=self.usage)
        self.list.clear()
        for item in found:
            entry = QListWidgetItem(
                f"{item.name}\n    {item.category} · {CLASS_LABELS[item.points_class]} {item.points} 分"
            )
            entry.setData(Qt.ItemDataRole.UserRole, item)
            self.list.addItem(entry)
        if found:
            self.list.setCurrentRow(0)

    def items_shown(self) -> list[Item]:
        return [self.list.item(n).data(Qt.ItemDataRole.UserRole) for n in range(self.list.count())]

    def pick_current(self) -> None:
        entry = self.list.currentItem()
        if entry is not None:
            self.picked.emit(entry.data(Qt.ItemDataRole.UserRole))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            self.list.setFocus()
            if self.list.currentRow() < 0 and self.list.count():
                self.list.setCurrentRow(0)
            return True
        return super().eventFilter(watched, event)
