"""The run command as a newcomer meets it: the window on a real X display (Xvfb), plain words when the window
cannot open there, and the practice day with screenshots on a machine with no screen."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.display import EXIT_NO_WINDOW, XCB_LIBRARIES, missing_xcb_libraries

ROOT = Path(__file__).resolve().parents[2]
XVFB = shutil.which("Xvfb")
needs_xvfb = pytest.mark.skipif(
    XVFB is None, reason="Xvfb is not installed (bash scripts/setup.sh installs it as root)"
)


@pytest.fixture
def display():
    """A fresh Xvfb at 1366×768 on a display number it picks itself (-displayfd), stopped afterwards."""
    read, write = os.pipe()
    server = subprocess.Popen(
        [XVFB, "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as announced:
        number = announced.readline().strip()
    assert number.isdigit(), "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def _grab(display: str, path: Path) -> list[int]:
    """The whole X screen as a PNG (Qt on xcb, another process), and a sample of its pixels."""
    code = (
        "import sys\nfrom PySide6.QtGui import QGuiApplication\napp = QGuiApplication(['grab'])\n"
        "image = app.primaryScreen().grabWindow(0).toImage()\nimage.save(sys.argv[1])\n"
        "print(image.width(), image.height(), *(image.pixel(x, y) for x in range(0, 1366, 50) for y in range(0, 768, 50)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        env=_env(DISPLAY=display, QT_QPA_PLATFORM="xcb"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out[:2] == ["1366", "768"]
    return [int(value) for value in out[2:]]


def _wait_for_line(log: Path, text: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(encoding="utf-8"):
            return
        assert process.poll() is None, f"the program ended ({process.returncode}): {process.communicate()}"
        time.sleep(0.1)
    pytest.fail(f"no '{text}' in {log} after {seconds} s")


@needs_xvfb
def test_the_run_command_opens_the_login_window_on_an_x_display(tmp_path, display):
    assert len(set(_grab(display, tmp_path / "before.png"))) == 1  # an empty X screen: one colour
    folder = tmp_path / "training"
    program = subprocess.Popen(
        [sys.executable, "-m", "desktop", "--training", "--data-dir", str(folder)],
        env=_env(DISPLAY=display, QT_QPA_PLATFORM="xcb"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_for_line(folder / "logs" / "suishenban.log", "login window shown (training)", program)
        assert len(set(_grab(display, tmp_path / "login.png"))) > 5  # the login window is drawn on the screen
    finally:
        program.terminate()
        _out, err = program.communicate(timeout=30)
    assert "qt fatal" not in err and "柜台窗口打不开" not in err, err


@needs_xvfb
def test_a_missing_x11_library_is_named_with_its_package_and_the_command(tmp_path, display):
    broken = tmp_path / "broken-libs"  # found before the system's copies: they stand for libraries not installed
    broken.mkdir()
    for name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
        (broken / name).write_bytes(b"")
    folder = tmp_path / "training"
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--training", "--data-dir", str(folder)],
        env=_env(DISPLAY=display, QT_QPA_PLATFORM="xcb", LD_LIBRARY_PATH=str(broken)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_NO_WINDOW, result.stderr
    assert "柜台窗口打不开" in result.stderr and "缺少" in result.stderr
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1\n" in result.stderr
    assert "sudo apt-get install libxcb-icccm4" in (folder / "logs" / "suishenban.log").read_text(encoding="utf-8")


@needs_xvfb
def test_a_platform_plugin_that_will_not_load_is_said_in_plain_words(tmp_path, display):
    broken = tmp_path / "broken-libs"
    broken.mkdir()
    (broken / "libQt6XcbQpa.so.6").write_bytes(b"")  # the plugin's own Qt library, unreadable
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--data-dir", str(tmp_path / "ledger")],
        env=_env(DISPLAY=display, LD_LIBRARY_PATH=str(broken)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_NO_WINDOW, result.stderr
    assert "柜台窗口打不开：Qt 的 X11 显示插件加载不了" in result.stderr and "重新安装" in result.stderr


def _free_display() -> str:
    return next(
        f":{n}"
        for n in range(500, 600)
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists()
    )


def test_when_qt_itself_gives_up_the_program_says_why_instead_of_aborting(tmp_path):
    """A display that is named but not there: Qt sends its fatal message, which ends the program with
    plain words and status 3 (not SIGABRT); Qt's own words reach the terminal and the log file."""
    folder = tmp_path / "ledger"
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--data-dir", str(folder)],
        env=_env(DISPLAY=_free_display(), QT_QPA_PLATFORM="xcb"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_NO_WINDOW, (result.returncode, result.stderr)
    assert "柜台窗口打不开：连接不上显示器" in result.stderr and "suishenban --training" in result.stderr
    assert "CRITICAL desktop.app: qt fatal: " in result.stderr
    log = (folder / "logs" / "suishenban.log").read_text(encoding="utf-8")
    assert "could not connect to display" in log and "连接不上显示器" in log


def test_a_library_that_is_not_there_is_reported_with_its_package():
    fake = (("libsuishenban-not-there.so.9", "libsuishenban-not-there9"), ("libc.so.6", "libc6"))
    assert missing_xcb_libraries(fake) == [("libsuishenban-not-there.so.9", "libsuishenban-not-there9")]


def test_the_setup_installs_every_package_the_window_needs():
    script = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    listed = re.search(r'QT_PACKAGES="([^"]*)"', script).group(1).split()
    assert {package for _name, package in XCB_LIBRARIES} <= set(listed)
    assert "xvfb" in script and "dpkg-query" in script


def test_with_no_screen_the_run_command_practises_a_day_and_saves_the_screens(tmp_path):
    folder = tmp_path / "training"
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--training", "--data-dir", str(folder)],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "没有检测到屏幕" in out and "【培训模式】" in out and "哈希链完整" in out  # the practice day
    where = Path(re.search(r"界面截图已保存在 (\S+?)，共 (\d+) 张", out).group(1))
    assert where == (folder / "screenshots").resolve()
    shots = sorted(where.rglob("*.png"))
    count = int(re.search(r"，共 (\d+) 张", out).group(1))
    assert count == len(shots) >= 3 * 15 and {p.parent.name for p in shots} == {"standard", "large", "xlarge"}
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 5000 for p in shots)
