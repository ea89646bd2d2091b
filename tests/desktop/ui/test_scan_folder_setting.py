"""The scan folder (扫描件文件夹) chosen in 设置: checked before it is kept, then watched at once, no restart."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from desktop.services import evidence
from desktop.settings import Settings
from tests.desktop.ui.test_ledger import _ledger, _search, _seed
from tests.evidence_images import make_scan

SCREENSHOT_DIR = os.environ.get("SSB_SCREENSHOT_DIR")  # set to keep the pictures for looking at


def _pick(qtbot, page, monkeypatch, folder) -> None:
    """The agent clicks 选择… beside 扫描件文件夹 and picks ``folder`` in the system's folder dialog."""
    asked = []

    def dialog(_parent, title, start):
        asked.append((title, start))
        return str(folder)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", dialog)
    pick = page.findChild(type(page.backup_button), "scan_folder_pick")
    qtbot.mouseClick(pick, Qt.MouseButton.LeftButton)
    assert asked and "扫描仪或手机" in asked[-1][0]


def test_a_missing_or_unreadable_folder_or_a_file_is_refused_in_plain_words(
    qtbot, window, counter, tmp_path, monkeypatch
):
    page = window.show_page("settings")
    _pick(qtbot, page, monkeypatch, tmp_path / "没有这个文件夹")
    assert "找不到这个文件夹，没有保存" in window.messages.text()
    a_file = tmp_path / "scan.jpg"
    a_file.write_bytes(make_scan(seed=1, width=62, height=88, fmt="JPEG"))
    _pick(qtbot, page, monkeypatch, a_file)
    assert "选的不是文件夹" in window.messages.text()

    locked = tmp_path / "锁住的"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path):  # the tests run as root, for whom no mode bit refuses a read
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(evidence.os, "scandir", scandir)
    _pick(qtbot, page, monkeypatch, locked)
    assert "这个文件夹打不开（没有读取权限）" in window.messages.text()
    assert counter.settings.get("scan_folder") == "" and Settings.load(counter.folder).get("scan_folder") == ""
    assert page.editors["scan_folder"].text() == ""


def test_a_folder_chosen_in_settings_is_watched_at_once_and_offered_when_attaching(
    qtbot, window, counter, tmp_path, monkeypatch
):
    _payment, _online, approval = _seed(counter)
    scanner, phone = tmp_path / "扫描仪", tmp_path / "手机照片"
    scanner.mkdir()
    phone.mkdir()
    (scanner / "scan-0001.jpg").write_bytes(make_scan(seed=1, width=620, height=877, fmt="JPEG"))
    ledger = _ledger(window)
    _search(qtbot, ledger, approval["receipt_no"])
    box = ledger.pane.evidence
    assert box.watcher.directories() == []  # nothing attached yet and nothing set: no folder to watch

    settings = window.show_page("settings")
    _pick(qtbot, settings, monkeypatch, scanner)
    assert "设置已保存" in window.messages.text()
    assert Settings.load(counter.folder).get("scan_folder") == str(scanner)  # kept in settings.json
    assert settings.editors["scan_folder"].text() == str(scanner)
    assert box.watcher.directories() == [str(scanner)]  # the open case's watcher follows, no restart
    screenshot = settings.grab()

    window.show_page("ledger")
    (scanner / "scan-0002.jpg").write_bytes(make_scan(seed=2, width=620, height=877, fmt="JPEG"))
    qtbot.waitUntil(lambda: not box.new_scan.isHidden(), timeout=5000)
    assert "scan-0002.jpg" in box.new_scan.text()
    dialog = ledger.pane.start_attach()
    assert dialog.path.text() == str(scanner / "scan-0002.jpg") and dialog.recent.count() == 2
    assert dialog.folder_note.isHidden()
    assert dialog.attempt()

    window.show_page("settings")
    _pick(qtbot, settings, monkeypatch, phone)  # switched to the phone's folder while the case stays open
    assert box.watcher.directories() == [str(phone)]
    window.show_page("ledger")
    (phone / "IMG_0001.jpg").write_bytes(make_scan(seed=3, width=620, height=877, fmt="JPEG"))
    qtbot.waitUntil(lambda: "IMG_0001.jpg" in box.new_scan.text(), timeout=5000)
    (scanner / "scan-0003.jpg").write_bytes(make_scan(seed=4, width=620, height=877, fmt="JPEG"))
    qtbot.wait(300)
    assert "scan-0003.jpg" not in box.new_scan.text()  # the old folder is no longer watched
    assert ledger.pane.start_attach().path.text() == str(phone / "IMG_0001.jpg")  # not the last file's folder

    phone.rename(tmp_path / "拔掉了")  # the phone unplugged: the picker still works and says why no list
    dialog = ledger.pane.start_attach()
    assert dialog.recent.isHidden() and "现在打不开" in dialog.folder_note.text()
    qtbot.waitExposed(dialog)
    if SCREENSHOT_DIR:
        screenshot.save(os.path.join(SCREENSHOT_DIR, "settings-scan-folder.png"))
        dialog.grab().save(os.path.join(SCREENSHOT_DIR, "attach-folder-gone.png"))
    assert not screenshot.isNull()

    window.show_page("settings")
    qtbot.mouseClick(settings.findChild(type(settings.backup_button), "scan_folder_clear"), Qt.MouseButton.LeftButton)
    assert counter.settings.get("scan_folder") == "" and box.watcher.directories() == [str(scanner)]  # the last file's
