"""Material images (材料影像) on the case pane: thumbnails of what was attached, and the dialog that attaches one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services import evidence
from desktop.services.case_detail import CaseDetail
from desktop.services.session import Counter
from desktop.ui.case_dialogs import ActionDialog
from desktop.ui.widgets import Field, button, label
from sync.ledger.evidence import EvidenceMismatch
from sync.ledger.forms import FormErrors

THUMB_WIDTH = 150
FILE_FILTER = "扫描件或照片 (" + " ".join(f"*{suffix}" for suffix in evidence.IMAGE_SUFFIXES) + ")"


class AttachDialog(ActionDialog):
    """Pick the material and the scan or photo; it is compressed to one A4 page and saved with the case."""

    def __init__(self, counter: Counter, detail: CaseDetail, parent: QWidget | None = None) -> None:
        super().__init__(
            "添加材料影像",
            f"为回执 {detail.receipt_no}（{detail.item.name}）添加一张材料的扫描件或照片。"
            "图片会压缩成一页 A4（不超过 300 KB），加密保存在本机，同步时传给县里审批部门。",
            self._attach,
            parent,
            ok_text="添加",
        )
        self.counter, self.detail = counter, detail
        self.material = QComboBox(objectName="evidenceMaterial")
        for material in detail.item.guide.materials:
            self.material.addItem(material.name, material.code)
        self.path = QLineEdit(objectName="evidencePath")
        self.path.setPlaceholderText("点“选择文件”找到扫描仪或手机存下的图片")
        choose = button("选择文件…", name="evidenceChoose")
        choose.clicked.connect(self.choose)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.path, 1)
        line.addWidget(choose)
        self.fields["material"] = Field("对应的材料", self.material)
        self.fields["file"] = Field("图片文件", row)
        for field in self.fields.values():
            self.body.addWidget(field)
        folder = evidence.scan_folder(counter)
        chosen = evidence.chosen_scan_folder(counter)
        self.recent = QListWidget(objectName="evidenceRecent")
        for path in evidence.newest_scans(folder):
            item = QListWidgetItem(path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.recent.addItem(item)
        self.recent.currentItemChanged.connect(
            lambda item, _old: self.path.setText(item.data(Qt.ItemDataRole.UserRole)) if item else None
        )
        if self.recent.count():
            rows = min(self.recent.count(), 4)
            self.recent.setMaximumHeight(rows * self.recent.sizeHintForRow(0) + 2 * self.recent.frameWidth() + 4)
            where = "扫描件文件夹" if chosen is not None else "上次的图片所在文件夹"
            self.body.addWidget(label(f"{where}里最新的图片（{folder}），点一下就选中：", "muted"))
            self.body.addWidget(self.recent)
            self.recent.setCurrentRow(0)  # what the scanner saved last
        self.recent.setVisible(bool(self.recent.count()))
        self.folder_note = label("", "error")
        self.folder_note.setObjectName("evidenceFolderNote")
        if chosen is not None and folder is None:  # set in 设置 but unplugged or gone
            self.folder_note.setText(
                f"设置里的扫描件文件夹（{chosen}）现在打不开，可能是手机或 U 盘没插好；可以点“选择文件”找图片。"
            )
            self.body.addWidget(self.folder_note)
        self.folder_note.setVisible(bool(self.folder_note.text()))
        self.finish_layout()

    def choose(self) -> None:
        start = str(Path(self.path.text()).parent) if self.path.text() else str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self, "选择材料的扫描件或照片", start, FILE_FILTER)
        if chosen:
            self.path.setText(chosen)

    def _attach(self) -> None:
        text = self.path.text().strip()
        if not text:
            raise FormErrors({"file": "请先选择图片文件。"})
        try:
            evidence.attach_file(self.counter, self.detail, self.material.currentData(), Path(text))
        except evidence.EvidenceError as exc:
            raise FormErrors({"file": str(exc)}) from None


class EvidenceBox(QWidget):
    """The case's images as thumbnails with their material and upload state; ``attach_requested`` opens the dialog."""

    attach_requested = Signal()
    print_requested = Signal()

    def __init__(self, counter: Counter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 8)
        layout.addWidget(label("材料影像", "heading"))
        self.empty = label("还没有添加材料影像。", "muted")
        layout.addWidget(self.empty)
        self.grid = QGridLayout()
        layout.addLayout(self.grid)
        self.new_scan = label("", "muted")  # a file the scanner just saved, while a case is open
        self.new_scan.setObjectName("evidenceNewScan")
        self.new_scan.hide()
        layout.addWidget(self.new_scan)
        self.add_button = button("添加材料影像", name="evidenceAdd")
        self.add_button.clicked.connect(self.attach_requested)
        self.print_button = button("打印材料影像", name="evidencePrint")
        self.print_button.clicked.connect(self.print_requested)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.tiles: list[QWidget] = []
        self.watcher = QFileSystemWatcher(self)  # the scan folder (desktop/services/evidence.py, scan_folder)
        self.watcher.directoryChanged.connect(self._folder_changed)
        self._seen: set[str] = set()
        self._watching = False  # a case that may take images is shown

    def show_case(self, detail: CaseDetail | None, *, may_attach: bool) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = []
        rows = evidence.images(self.counter, detail) if detail is not None else []
        self.empty.setVisible(not rows)
        self.add_button.setVisible(detail is not None and may_attach)
        self.print_button.setVisible(any(row.kept for row in rows))
        self._watch(detail is not None and may_attach)
        for n, row in enumerate(rows):
            tile = self._tile(row)
            self.grid.addWidget(tile, n // 2, n % 2)
            self.tiles.append(tile)

    def _watch(self, on: bool) -> None:
        """While a case that may take images is shown, a new file in the scan folder is pointed out."""
        self._watching = on
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        self.new_scan.hide()
        folder = evidence.scan_folder(self.counter) if on else None
        if folder is not None:
            self._seen = {str(path) for path in evidence.newest_scans(folder, limit=50)}
            self.watcher.addPath(str(folder))

    def setting_changed(self, key: str) -> None:
        """A scan folder chosen in 设置 is watched from now on, with no restart and no case reopened."""
        if key == evidence.SCAN_FOLDER and self._watching:
            self._watch(True)

    def _folder_changed(self, folder: str) -> None:
        fresh = [path for path in evidence.newest_scans(Path(folder), limit=50) if str(path) not in self._seen]
        if fresh:
            self._seen.update(str(path) for path in fresh)
            self.new_scan.setText(f"扫描仪刚存了新图片“{fresh[0].name}”：点“添加材料影像”，它已经选好了。")
            self.new_scan.show()

    def _tile(self, row: evidence.ImageRow) -> QWidget:
        tile = QWidget(objectName=f"evidence_{row.seq}")
        box = QVBoxLayout(tile)
        box.setContentsMargins(0, 0, 0, 0)
        try:
            if not row.kept:
                raise EvidenceMismatch("")
            pixmap = QPixmap()
            pixmap.loadFromData(evidence.image_bytes(self.counter, row.seq))
            picture = QLabel()
            picture.setPixmap(pixmap.scaledToWidth(THUMB_WIDTH, Qt.TransformationMode.SmoothTransformation))
            picture.setFixedSize(picture.pixmap().size())
            picture.setAccessibleName(f"材料影像：{row.material}")
        except EvidenceMismatch as exc:
            picture = label(str(exc), "error") if row.kept else label("", "muted")
        box.addWidget(picture)
        box.addWidget(label(f"{row.material}\n{row.attached_at}，{row.size_kb} KB，{row.uploaded}", "muted"))
        return tile


def open_attach(counter: Counter, detail: CaseDetail, parent: QWidget, done: Callable[[], None]) -> AttachDialog:
    dialog = AttachDialog(counter, detail, parent)
    dialog.accepted.connect(done)
    dialog.open()
    return dialog
