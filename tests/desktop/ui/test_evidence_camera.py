"""拍照 in the attach dialog: shown only on a PC with a camera; a frame the camera hands over becomes the same
compressed, encrypted A4 page as a scanned file.

This machine has no camera. The frame is fed through the real ``QImageCapture.imageCaptured`` signal of the
dialog's capture session, which is what a camera emits after 拍照; everything after it is the product's path."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from desktop.services import evidence
from desktop.store import evidence as evidence_store
from desktop.ui import camera
from sync.ledger.evidence import MAX_IMAGE_BYTES, image_hash
from tests.desktop.ui.test_ledger import _ledger, _search, _seed
from tests.desktop.ui.typing import type_text
from tests.evidence_images import make_scan

SCREENSHOT_DIR = os.environ.get("SSB_SCREENSHOT_DIR")  # set to keep the pictures for looking at


def test_without_a_camera_there_is_no_photo_button(qtbot, window, counter):
    assert camera.camera_inputs() == []  # this machine: Qt Multimedia loads and finds no camera
    _payment, _online, approval = _seed(counter)
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    dialog = page.pane.start_attach()
    qtbot.waitExposed(dialog)
    assert dialog.shoot_button.isHidden() and dialog.camera_view.isHidden()
    assert not dialog.attempt()
    assert dialog.fields["file"].error.text() == "请先选择图片文件。"  # no word of a camera it does not have


def test_a_camera_frame_is_attached_as_a_compressed_page_through_the_capture_signal(
    qtbot, window, counter, tmp_path, monkeypatch
):
    from PySide6.QtMultimedia import QCameraDevice

    monkeypatch.setattr(camera, "camera_inputs", lambda: [QCameraDevice()])  # a PC that lists one camera
    _payment, _online, approval = _seed(counter)
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    dialog = page.pane.start_attach()
    qtbot.waitExposed(dialog)
    assert dialog.shoot_button.isVisible() and dialog.shoot_button.text() == "拍照"
    assert not dialog.attempt() and "或点“拍照”" in dialog.fields["file"].error.text()

    qtbot.mouseClick(dialog.shoot_button, Qt.MouseButton.LeftButton)  # opens the camera and its live picture
    shooter = dialog.shooter
    assert shooter is not None and shooter.session.imageCapture() is shooter.capture
    # the listed camera is not there after all (as here): said in plain words, the picker still offered
    qtbot.waitUntil(lambda: "摄像头打不开" in dialog.fields["file"].error.text(), timeout=5000)
    assert dialog.camera_view.isHidden() and dialog.camera_note.isHidden()

    # a photo of a printed form as a 1080p camera gives it, handed over as QImageCapture hands it over
    frame = QImage.fromData(make_scan(seed=9, width=1920, height=1080, fmt="PNG"))
    assert frame.width() == 1920
    shooter.capture.imageCaptured.emit(1, frame)
    assert dialog.photo is not None and not dialog.camera_view.isHidden()
    assert dialog.camera_view.pixmap().width() == camera.PREVIEW_WIDTH
    assert "照片已拍好" in dialog.camera_note.text() and dialog.path.text() == ""
    if SCREENSHOT_DIR:
        dialog.grab().save(os.path.join(SCREENSHOT_DIR, "attach-camera.png"))
    dialog.material.setCurrentIndex(2)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    from desktop.services.case_detail import load_detail

    detail = load_detail(counter, approval["case_id"])
    (stored,) = evidence_store.images_of_case(counter.store, detail.case_id)
    page_bytes = evidence.image_bytes(counter, stored.seq)  # checked against the chained hash on the way out
    assert page_bytes[:4] == b"RIFF" and page_bytes[8:12] == b"WEBP" and len(page_bytes) <= MAX_IMAGE_BYTES
    assert stored.sha256 == image_hash(page_bytes) and stored.material == detail.item.guide.materials[2].code
    assert page_bytes not in (counter.folder / "ledger.db").read_bytes()  # inside the encrypted ledger only
    import io

    from PIL import Image

    with Image.open(io.BytesIO(page_bytes)) as shown:  # the page's own downscale
        assert shown.size == (evidence.PAGE_LONG_SIDE, round(1080 * evidence.PAGE_LONG_SIDE / 1920))
    (tile,) = page.pane.evidence.tiles
    assert tile.findChildren(QLabel)[1].text().startswith(detail.item.guide.materials[2].name)


def test_choosing_a_file_after_a_photo_attaches_the_file(qtbot, window, counter, tmp_path, monkeypatch):
    from PySide6.QtMultimedia import QCameraDevice

    monkeypatch.setattr(camera, "camera_inputs", lambda: [QCameraDevice()])
    _payment, _online, approval = _seed(counter)
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(make_scan(seed=3, width=620, height=877, fmt="JPEG"))
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    dialog = page.pane.start_attach()
    dialog.photo_taken(1, QImage.fromData(make_scan(seed=4, width=800, height=600, fmt="PNG")))
    assert dialog.photo is not None
    type_text(qtbot, dialog.path, str(scan))  # the agent changes her mind and types the file
    assert dialog.photo is None and dialog.camera_view.isHidden()
    assert dialog.attempt()
    (stored,) = evidence_store.images_of_case(counter.store, approval["case_id"])
    assert stored.size == len(evidence.compress_page(scan.read_bytes()))


def test_a_recent_scan_picked_with_the_keys_after_a_photo_replaces_the_photo(
    qtbot, window, counter, tmp_path, monkeypatch
):
    """After 拍照 no recent image is current; arrowing to one (no click) chooses that file and drops the photo,
    so 添加 never saves a file under the photo's note."""
    from PySide6.QtMultimedia import QCameraDevice

    monkeypatch.setattr(camera, "camera_inputs", lambda: [QCameraDevice()])
    _payment, _online, approval = _seed(counter)
    folder = tmp_path / "扫描仪"
    folder.mkdir()
    scan = folder / "scan-0001.jpg"
    scan.write_bytes(make_scan(seed=1, width=620, height=877, fmt="JPEG"))
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    dialog = page.pane.start_attach()
    type_text(qtbot, dialog.path, str(scan))
    assert dialog.attempt()  # the folder is now the one offered

    dialog = page.pane.start_attach()
    qtbot.waitExposed(dialog)
    assert dialog.recent.count() == 1 and dialog.path.text() == str(scan)
    qtbot.mouseClick(dialog.shoot_button, Qt.MouseButton.LeftButton)
    frame = QImage.fromData(make_scan(seed=9, width=1920, height=1080, fmt="PNG"))
    dialog.shooter.capture.imageCaptured.emit(1, frame)
    assert dialog.photo is not None and dialog.path.text() == "" and dialog.recent.currentItem() is None

    dialog.recent.setFocus()
    qtbot.keyClick(dialog.recent, Qt.Key.Key_Down)  # the keys, not a click
    assert dialog.recent.currentRow() == 0
    assert dialog.photo is None and dialog.camera_view.isHidden() and dialog.path.text() == str(scan)
