"""The dialog that attaches a material image (材料影像) to a case: a scan or photo from a file, the scan folder's
newest, or a frame from a USB camera."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from desktop.services import evidence
from desktop.services.case_detail import CaseDetail
from desktop.services.session import Counter
from desktop.ui import camera
from desktop.ui.case_dialogs import ActionDialog
from desktop.ui.widgets import Field, button, label
from sync.ledger.forms import FormErrors

FILE_FILTER = "扫描件或照片 (" + " ".join(f"*{suffix}" for suffix in evidence.IMAGE_SUFFIXES) + ")"


class AttachDialog(ActionDialog):
    """Pick the material and the scan or photo — a file, or a frame from a USB camera when the PC has one; it is
    compressed to one A4 page and saved with the case."""

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
        self.path.textEdited.connect(self._drop_photo)
        choose = button("选择文件…", name="evidenceChoose")
        choose.clicked.connect(self.choose)
        self.shoot_button = button("拍照", name="evidenceShoot")  # only when the PC has a camera
        self.shoot_button.clicked.connect(self.shoot)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.path, 1)
        line.addWidget(choose)
        line.addWidget(self.shoot_button)
        self.cameras = camera.camera_inputs()
        self.shoot_button.setVisible(bool(self.cameras))
        self.shooter: camera.CameraShooter | None = None  # made on the first 拍照
        self.photo: bytes | None = None  # the frame last taken, until a file is chosen instead
        self.fields["material"] = Field("对应的材料", self.material)
        self.fields["file"] = Field("图片文件", row)
        for field in self.fields.values():
            self.body.addWidget(field)
        self.camera_view = QLabel(objectName="evidenceCameraView")  # the live picture, then the frame taken
        self.camera_view.setAccessibleName("摄像头画面")
        self.camera_view.setMinimumSize(camera.PREVIEW_WIDTH, camera.PREVIEW_WIDTH * 3 // 4)  # a 4:3 live picture
        self.camera_view.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.camera_note = label("", "muted")
        self.camera_note.setObjectName("evidenceCameraNote")
        self.body.addWidget(self.camera_view)
        self.body.addWidget(self.camera_note)
        self.camera_view.hide()
        self.camera_note.hide()
        self.finished.connect(self._stop_camera)
        folder = evidence.scan_folder(counter)
        chosen = evidence.chosen_scan_folder(counter)
        self.recent = QListWidget(objectName="evidenceRecent")
        for path in evidence.newest_scans(folder):
            item = QListWidgetItem(path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.recent.addItem(item)
        self.recent.currentItemChanged.connect(self._use_recent)
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
            self._drop_photo()
            self.path.setText(chosen)

    def shoot(self) -> None:
        """拍照: a press opens the camera and its live picture; a press while it shows takes the frame in view."""
        if self.shooter is None:
            self.shooter = camera.CameraShooter(self.cameras[0], self.camera_view, self)
            self.shooter.captured.connect(self.photo_taken)
            self.shooter.failed.connect(self._camera_failed)
        if not self.shooter.running:
            self.fields["file"].set_error("")
            self.camera_view.setText("正在打开摄像头……")
            self.camera_view.show()
            self._say("把材料平放在摄像头下，对准后再点“拍照”；拍好的照片会显示在这里，不满意可以再拍。")
            self.shooter.start()
            return
        self.shooter.shoot()

    def photo_taken(self, _request: int, image: QImage) -> None:
        """A frame from the camera (QImageCapture.imageCaptured): kept until 添加, shown, the file choice cleared."""
        if image.isNull():
            self._say(camera.SHOT_FAILED)
            return
        self.photo = camera.image_bytes(image)
        if self.shooter is not None:
            self.shooter.stop()  # the frame stays on screen; 拍照 again reopens the live picture
        self.camera_view.setPixmap(
            QPixmap.fromImage(image).scaledToWidth(camera.PREVIEW_WIDTH, Qt.TransformationMode.SmoothTransformation)
        )
        self.camera_view.show()
        self.path.clear()
        self.path.setPlaceholderText("使用刚拍的照片（点“选择文件”可改用文件）")
        self.recent.setCurrentRow(-1)  # a recent image picked after this, by mouse or keys, replaces the photo
        self.fields["file"].set_error("")
        self._say("照片已拍好，点“添加”保存；不满意就再点“拍照”重拍。")

    def _use_recent(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None = None) -> None:
        if item is not None:
            self._drop_photo()
            self.path.setText(item.data(Qt.ItemDataRole.UserRole))

    def _drop_photo(self, *_args) -> None:
        if self.photo is not None:
            self.photo = None
            self.camera_view.hide()
            self.path.setPlaceholderText("点“选择文件”找到扫描仪或手机存下的图片")
            self._say("")

    def _camera_failed(self, message: str) -> None:
        self.camera_view.hide()
        self.fields["file"].set_error(message)
        self._say("")

    def _say(self, text: str) -> None:
        """A line under the camera's picture; the dialog grows to what it now shows."""
        self.camera_note.setText(text)
        self.camera_note.setVisible(bool(text))
        if self.isVisible():
            self.fit()

    def _stop_camera(self, *_args) -> None:
        if self.shooter is not None:
            self.shooter.stop()

    def _attach(self) -> None:
        text = self.path.text().strip()
        material = self.material.currentData()
        try:
            if self.photo is not None and not text:
                evidence.attach_bytes(self.counter, self.detail, material, self.photo)
                return
            if not text:
                raise FormErrors({"file": "请先选择图片文件，或点“拍照”。" if self.cameras else "请先选择图片文件。"})
            evidence.attach_file(self.counter, self.detail, material, Path(text))
        except evidence.EvidenceError as exc:
            raise FormErrors({"file": str(exc)}) from None


def open_attach(counter: Counter, detail: CaseDetail, parent: QWidget, done: Callable[[], None]) -> AttachDialog:
    dialog = AttachDialog(counter, detail, parent)
    dialog.accepted.connect(done)
    dialog.open()
    return dialog
