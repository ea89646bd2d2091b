"""Failures: known ones calmly beside the work, bugs in a crash dialog whose report holds no citizen data."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from sqlalchemy.exc import OperationalError

from desktop.services import recording
from desktop.ui.crash import CrashDialog, install_excepthook
from tests.desktop.ui.typing import type_text
from tests.factories import resident_id


def _filled_record_page(qtbot, window):
    page = window.show_page("record")
    type_text(qtbot, page.picker.search, "jnhf")
    page.picker.pick_current()
    type_text(qtbot, page.applicant.name, "王秀英")
    type_text(qtbot, page.applicant.number, resident_id())
    type_text(qtbot, page.applicant.mobile, "13912345678")  # also the number topped up
    type_text(qtbot, page.amount, "50")
    page.consent.setChecked(True)
    return page


def test_a_locked_database_is_a_calm_message_and_the_form_is_kept(qtbot, window, counter, monkeypatch):
    page = _filled_record_page(qtbot, window)

    def locked(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(recording.Counter, "append", locked)
    assert page.save() is None
    assert "占用" in window.messages.text() and "没有保存" in window.messages.text()
    assert page.stack.currentIndex() == 0 and page.applicant.name.text() == "王秀英"


def test_a_full_disk_says_nothing_was_lost(qtbot, window, counter, monkeypatch):
    page = _filled_record_page(qtbot, window)
    monkeypatch.setattr(
        recording.Counter,
        "append",
        lambda *_a: (_ for _ in ()).throw(OperationalError("x", {}, Exception("database or disk is full"))),
    )
    page.save()
    assert "磁盘已满" in window.messages.text() and "已保存的记录都在" in window.messages.text()


def test_a_bug_opens_the_crash_dialog_with_a_report_free_of_citizen_data(qtbot, tmp_path):
    hook = install_excepthook(tmp_path / "logs")
    try:
        try:
            raise ValueError("王秀英 360222195603141237 13979812345 出错了")
        except ValueError as exc:
            hook(type(exc), exc, exc.__traceback__)
        dialog = hook.last_dialog
        assert isinstance(dialog, CrashDialog)
        qtbot.addWidget(dialog)
        report = dialog.report
        assert "ValueError" in report and "test_failures.py" in report
        for secret in ("王秀英", "360222195603141237", "13979812345"):
            assert secret not in report
        dialog.copy()
        assert QApplication.clipboard().text() == report
        assert "360222" not in (tmp_path / "logs" / "crash-reports.log").read_text(encoding="utf-8")
        qtbot.mouseClick(dialog.findChild(QPushButton, "crashClose"), Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
    finally:
        sys.excepthook = sys.__excepthook__
