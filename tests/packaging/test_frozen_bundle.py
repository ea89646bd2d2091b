"""The frozen one-folder build (``bash scripts/build``): it starts headless, finds everything it bundles, keeps data out.

Skipped unless the bundle exists (dist/suishenban/); ``scripts/build`` builds it and then runs these tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "suishenban"
# On Windows the shortcuts start the windowed suishenban.exe; the console twin prints, so the checks use it.
PROGRAM = BUNDLE / ("suishenban-cmd.exe" if sys.platform == "win32" else "suishenban")

pytestmark = pytest.mark.skipif(
    not PROGRAM.exists(), reason=f"no built bundle at {PROGRAM.relative_to(ROOT)}: run `bash scripts/build` first"
)


@pytest.fixture
def home(tmp_path):
    """A clean user: HOME, XDG_DATA_HOME and LOCALAPPDATA in a temporary folder, no screen."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "SUISHENBAN_DATA_DIR", "PYTHONPATH")
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        LOCALAPPDATA=str(tmp_path / "AppData" / "Local"),
    )
    return env


def _run(env: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(PROGRAM), *args],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _bundle_files() -> dict[str, int]:
    return {str(path.relative_to(BUNDLE)): path.lstat().st_size for path in BUNDLE.rglob("*")}


def test_the_self_test_finds_every_bundled_file_and_records_a_case(home):
    out = _run(home, "--self-test").stdout
    assert "内置字体、事项清单、工作日表、数据库升级文件和 Qt 插件齐全，打印正常" in out
    assert f"版本 {version('suishenban')}" in out  # the package metadata is in the bundle
    assert "自检通过" in out and "回执编号 9999-" in out


def test_it_reaches_the_login_window(home):
    assert "登录窗口已打开（乡村随身办 · 代办员登录）" in _run(home, "--start-check").stdout


def test_the_practice_day_lands_in_the_user_data_folder_never_beside_the_program(home, tmp_path):
    before = _bundle_files()
    out = _run(home, "--training", "demo").stdout
    assert "哈希链完整" in out
    folder = (
        tmp_path / "AppData" / "Local" / "Suishenban" / "training"
        if sys.platform == "win32"
        else tmp_path / "data" / "suishenban" / "training"
    )
    assert (folder / "keyring.json").is_file() and (folder / "ledger.db").is_file()
    assert _bundle_files() == before


def test_screenshots_in_the_frozen_build_use_offline_practice(home, tmp_path):
    """No county code in the bundle: the practice county is not tried, the shots use the offline practice ledger."""
    out = _run(home, "--screenshots", str(tmp_path / "shots"), timeout=600).stdout
    assert "截图用离线的练习台账" in out
    shots = sorted((tmp_path / "shots").rglob("*.png"))
    assert len(shots) >= 3 and all(shot.stat().st_size > 10_000 for shot in shots)


def test_the_county_and_the_unused_qt_parts_are_left_out():
    pytest.importorskip("PyInstaller")
    from PyInstaller.archive.readers import CArchiveReader

    program = BUNDLE / ("suishenban.exe" if sys.platform == "win32" else "suishenban")
    modules = set(CArchiveReader(str(program)).open_embedded_archive("PYZ.pyz").toc)
    left_out = (
        "county",
        "fastapi",
        "uvicorn",
        "starlette",
        "alembic",
        "psycopg",
        "schemathesis",
        "hypothesis",
        "pytest",
        "PySide6.QtNetwork",
        "PySide6.QtQml",
        "PySide6.QtQuick",
        "PySide6.QtWebEngineCore",
    )
    assert not [name for name in modules if any(name == top or name.startswith(top + ".") for top in left_out)]
    assert {"desktop.cli", "desktop.bundle_check", "sync.ledger.chain", "resources"} <= modules
    files = [name.lower() for name in _bundle_files()]
    unwanted = (
        "webengine",
        "qt6qml",
        "qt6quick",
        "qt63d",
        "multimediawidgets",
        "wayland",
        "eglfs",
        "gtk3",
        "virtualkeyboard",
        "imageformats",
    )
    assert not [name for name in files if any(word in name for word in unwanted)]
    assert [name for name in files if "qtmultimedia.abi3" in name]  # kept: 拍照 from a USB camera
