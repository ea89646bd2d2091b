"""打印预览: the document's pages as they will come out of the printer, then 打印 / 保存为 PDF / 关闭."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QDialog, QFileDialog, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.printing.qt_print import page_images
from desktop.ui.widgets import button, label

PAGE_WIDTH_PX = 520  # an A4 page shown this wide still reads; rolls are shown larger, up to MAX_SCALE
MAX_SCALE = 2.0
GAP = 12


def preview_images(pdf: bytes) -> list[QImage]:
    """Every page of the PDF on white, at a size that reads on a 1366×768 screen (made off the UI thread)."""
    return page_images(pdf, PAGE_WIDTH_PX, MAX_SCALE)


def page_pixmaps(pdf: bytes, images: list[QImage] | None = None) -> list[QPixmap]:
    return [QPixmap.fromImage(image) for image in (images if images is not None else preview_images(pdf))]


def default_pdf_path(what: str, now: datetime) -> Path:
    """文档/回执-20261127-1030.pdf: where “保存为 PDF” first offers to save."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    name = "".join(ch for ch in what if ch not in '\\/:*?"<>|（）() ')
    return Path(folder) / f"{name}-{now:%Y%m%d-%H%M}.pdf"


def choose_pdf_path(parent: QWidget, suggested: Path) -> Path | None:
    """Ask where to save; None when the agent cancels."""
    chosen, _filter = QFileDialog.getSaveFileName(parent, "保存为 PDF", str(suggested), "PDF 文件 (*.pdf)")
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


class PrintPreview(QDialog):
    """A window-modal preview. ``print_requested`` and ``save_requested(path)`` are acted on by the Printer."""

    print_requested = Signal()
    save_requested = Signal(object)  # Path

    def __init__(
        self,
        what: str,
        pdf: bytes,
        paper_label: str,
        suggested: Path,
        parent: QWidget | None = None,
        images: list[QImage] | None = None,
    ) -> None:
        super().__init__(parent)
        self.what, self.pdf, self.suggested = what, pdf, suggested
        self.setWindowTitle(f"打印预览：{what}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        outer = QVBoxLayout(self)
        self.pages = page_pixmaps(pdf, images)
        count = f"共 {len(self.pages)} 页，" if len(self.pages) > 1 else ""
        self.intro = label(f"这是{what}打印出来的样子（{count}纸张：{paper_label}；纸张在“设置”里换）。")
        outer.addWidget(self.intro)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        sheet = QWidget(objectName="previewSheet")
        column = QVBoxLayout(sheet)
        column.setSpacing(GAP)
        column.setContentsMargins(GAP, GAP, GAP, GAP)
        for pixmap in self.pages:
            page = QLabel()
            page.setPixmap(pixmap)
            page.setFrameShape(QFrame.Shape.Box)
            page.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.addWidget(page, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(1)
        self.scroll.setWidget(sheet)
        outer.addWidget(self.scroll, 1)
        row = QHBoxLayout()
        self.print_button = button("打印  Enter", "primary", name="previewPrint")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self._print)
        self.save_button = button("保存为 PDF  Ctrl+S", name="previewSave")
        self.save_button.clicked.connect(self.save)
        close = button("关闭  Esc", name="previewClose")
        close.clicked.connect(self.reject)
        row.addWidget(self.print_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        row.addWidget(close)
        outer.addLayout(row)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        self._fit(parent)

    def _fit(self, parent: QWidget | None) -> None:
        host = parent.window() if parent is not None else None
        limit_w, limit_h = (host.width() * 0.9, host.height() * 0.94) if host else (1230, 720)
        widest = max((p.width() for p in self.pages), default=PAGE_WIDTH_PX)
        tallest = sum(p.height() + GAP for p in self.pages) + 160
        self.resize(int(min(max(widest + 90, 640), limit_w)), int(min(tallest, limit_h)))
        self.print_button.setFocus()

    def _print(self) -> None:
        self.print_requested.emit()
        self.accept()

    def save(self) -> None:
        path = choose_pdf_path(self, self.suggested)
        if path is not None:
            self.save_requested.emit(path)
            self.accept()
