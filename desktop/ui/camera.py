"""A USB camera (摄像头) through Qt Multimedia, for photographing a material at the counter.

Qt Multimedia is imported only when the attach dialog asks, so the counter starts as fast without it, and a
build or a PC without it simply has no camera. ``CameraShooter`` shows the live picture in a label and hands a
still frame to whoever listens on ``captured`` — the same slot ``QImageCapture.imageCaptured`` calls — which
turns it into the same A4 page as a scanned file (desktop/services/evidence.py).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 360
CAMERA_FAILED = "摄像头打不开（可能没插好，或者正被别的程序使用）。可以先用扫描仪或手机拍好，再点“选择文件”添加。"
SHOT_FAILED = "这一张没有拍成，请对准材料再点一次“拍照”。"


def camera_inputs() -> list:
    """The cameras this PC has (``QCameraDevice``), none when Qt Multimedia is missing or cannot start."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:  # a build without Qt Multimedia: no camera, the picker still works
        return []
    return list(QMediaDevices.videoInputs())


def image_bytes(image: QImage) -> bytes:
    """A captured frame as PNG (lossless: the one lossy step is the page's own compression)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


class CameraShooter(QObject):
    """One camera's capture session: the live picture in ``preview``, a still frame on ``shoot``."""

    captured = Signal(int, QImage)  # as QImageCapture.imageCaptured: request id, frame
    failed = Signal(str)  # a message for the agent, in Chinese

    def __init__(self, device, preview: QLabel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QCamera, QImageCapture, QMediaCaptureSession, QVideoSink

        self.preview = preview
        self.camera = QCamera(device, self)
        formats = list(device.videoFormats()) if not device.isNull() else []
        if formats:  # the sharpest the camera gives: small print must stay readable
            best = max(formats, key=lambda f: f.resolution().width() * f.resolution().height())
            self.camera.setCameraFormat(best)
        self.capture = QImageCapture(self)
        self.capture.setQuality(QImageCapture.Quality.VeryHighQuality)
        self.sink = QVideoSink(self)
        self.session = QMediaCaptureSession(self)
        self.session.setCamera(self.camera)
        self.session.setImageCapture(self.capture)
        self.session.setVideoSink(self.sink)
        self.capture.imageCaptured.connect(self.captured)
        self.capture.errorOccurred.connect(self._shot_failed)
        self.camera.errorOccurred.connect(self._camera_failed)
        self.sink.videoFrameChanged.connect(self._frame)
        self._waiting = False  # 拍照 pressed before the camera was ready: shoot once it is
        self.capture.readyForCaptureChanged.connect(self._ready)

    @property
    def running(self) -> bool:
        return self.camera.isActive()

    def start(self) -> None:
        self.camera.start()
        if self.camera.error() != self.camera.Error.NoError:  # found already when the camera was made: no signal
            self._camera_failed(self.camera.error(), self.camera.errorString())

    def stop(self) -> None:
        self._waiting = False
        self.camera.stop()

    def shoot(self) -> None:
        """Take a still frame now, or as soon as the camera is ready (the dialog starts it first)."""
        if self.capture.isReadyForCapture():
            self.capture.capture()
        else:
            self._waiting = True

    def _ready(self, ready: bool) -> None:
        if ready and self._waiting:
            self._waiting = False
            self.capture.capture()

    def _frame(self, frame) -> None:
        image = frame.toImage()
        if not image.isNull():
            self.preview.setPixmap(
                QPixmap.fromImage(image).scaledToWidth(PREVIEW_WIDTH, Qt.TransformationMode.FastTransformation)
            )

    def _camera_failed(self, error, text: str) -> None:
        log.warning("camera failed: %s %s", getattr(error, "name", error), text)
        self._waiting = False
        self.failed.emit(CAMERA_FAILED)

    def _shot_failed(self, _request: int, error, text: str) -> None:
        log.warning("image capture failed: %s %s", getattr(error, "name", error), text)
        self.failed.emit(SHOT_FAILED)
