"""The self-test's bundle check and the start check: from source every bundled file and Qt plugin is found."""

from __future__ import annotations

import pytest

import resources
from desktop import bundle_check, cli
from desktop.services import practice, training


@pytest.fixture
def qt_app():
    from desktop.app import make_application

    return make_application(None)


def test_every_bundled_file_and_plugin_is_found_from_source(qt_app):
    lines: list[str] = []
    assert bundle_check.check_bundle(lines.append) == 0
    assert len(lines) == 1 and "齐全" in lines[0] and "版本" in lines[0]


def test_a_missing_qt_plugin_is_named(qt_app, monkeypatch):
    monkeypatch.setitem(bundle_check.QT_PLUGINS, "linux", {"platforms": ("qnowhere",)})
    assert bundle_check.qt_plugin_problems("linux") == ["缺少 Qt 插件：platforms/qnowhere"]


def test_qt_speaks_chinese_and_a_missing_translation_is_named(qt_app, monkeypatch):
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.translate("QFileDialog", "Save As") == "另存为"  # the 保存为 PDF dialog
    monkeypatch.setattr(bundle_check, "QT_TRANSLATION", "qtbase_xx.qm")
    assert any("Qt 中文翻译" in p for p in bundle_check.qt_plugin_problems("linux"))


def test_a_missing_font_is_named(monkeypatch):
    monkeypatch.setattr(bundle_check, "FONT_LICENCES", ("LICENSE-missing.txt",))
    assert "缺少内置文件：resources/fonts/LICENSE-missing.txt" in bundle_check.resource_problems()


def test_the_start_check_opens_the_login_window_and_exits(capsys):
    assert cli.main(["--start-check"]) == 0
    assert "登录窗口已打开" in capsys.readouterr().out


def test_without_the_county_code_training_is_offline_and_says_why(tmp_path, monkeypatch):
    """The installed build leaves the county out: no child process is tried, the practice ledger is made offline."""
    from datetime import date

    monkeypatch.setattr(training, "county_available", lambda: False)
    monkeypatch.setattr(training.subprocess, "Popen", lambda *a, **k: pytest.fail("no child process expected"))
    setup = practice.prepare_with_sandbox(tmp_path / "training", date(2026, 11, 27))
    assert setup.sandbox is None and setup.made and setup.note == training.NOT_IN_THIS_BUILD
    assert "不带培训用的县级端" in setup.note


def test_from_source_the_county_code_is_there():
    assert training.county_available()


def test_the_app_has_its_icon_and_the_committed_files_are_what_the_drawing_makes(qt_app, tmp_path):
    from PySide6.QtGui import QImage

    from desktop.ui.icon import ICO, PNG, draw_icon, write_icons

    assert not qt_app.windowIcon().isNull()
    drawn = draw_icon()
    assert drawn.pixelColor(128, 8).name() == "#0b4f9c" and drawn.pixelColor(0, 0).alpha() == 0  # rounded tile
    write_icons(tmp_path)
    for name in (PNG, ICO):
        committed, fresh = QImage(str(resources.path("icons", name))), QImage(str(tmp_path / name))
        assert committed.size() == fresh.size() == drawn.size()
