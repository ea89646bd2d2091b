"""Material images (材料影像) on the case pane: thumbnails of what was attached (the dialog that attaches one:
desktop/ui/evidence_attach.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.services import evidence
from desktop.services.case_detail import CaseDetail
from desktop.services.session import Counter
from desktop.ui.widgets import button, label
from sync.ledger.evidence import EvidenceMismatch

THUMB_WIDTH = 150


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
