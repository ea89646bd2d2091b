"""When the counter window cannot open on a screen that is there: what is missing, in plain words, and a clean exit.

Qt ends the process (abort, status 134, no word on the terminal) when its platform plugin will not load. Two
guards: before Qt starts, the X11 (xcb) plugin's system libraries are loaded one by one, so that a missing
one is named with its Debian/Ubuntu package; and any fatal message Qt still sends reaches ``fatal`` (through
the message handler in ``desktop.app``), which says what happened and exits with ``EXIT_NO_WINDOW``.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

EXIT_NO_WINDOW = 3

# What PySide6's xcb platform plugin links against (ldd on plugins/platforms/libqxcb.so and libQt6XcbQpa)
# beyond glibc, with the Debian/Ubuntu package of each; scripts/setup.sh installs the same packages.
XCB_LIBRARIES = (
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb.so.1", "libxcb1"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libX11.so.6", "libx11-6"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libEGL.so.1", "libegl1"),
    ("libGL.so.1", "libgl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libfreetype.so.6", "libfreetype6"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)
SETUP_HINT = "或在软件文件夹里以 root 身份运行 bash scripts/setup.sh，它会自动安装"
NO_SCREEN_HINT = "没有屏幕时可以运行 suishenban --training：在命令行练习一天，并把各主要页面保存成截图"


def uses_xcb(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will open the window through X11: asked for, or chosen by default on a Linux X display."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    qpa = env.get("QT_QPA_PLATFORM", "").split(":")[0]
    if qpa:
        return qpa == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")  # on Wayland, Qt tries Wayland first


def _loads(name: str) -> str | None:
    """None when the shared library loads, else the loader's reason."""
    try:
        ctypes.CDLL(name)
    except OSError as exc:
        return str(exc)
    return None


def missing_xcb_libraries(libraries: tuple[tuple[str, str], ...] = XCB_LIBRARIES) -> list[tuple[str, str]]:
    """The (library, package) pairs of the xcb plugin's system libraries that do not load here."""
    return [(name, package) for name, package in libraries if _loads(name) is not None]


def _plugin_problem() -> str | None:
    """The loader's reason when the xcb plugin itself will not load (a library outside our list)."""
    from PySide6.QtCore import QLibraryInfo

    plugin = os.path.join(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath), "platforms", "libqxcb.so")
    return _loads(plugin) if os.path.exists(plugin) else None


def missing_message(missing: list[tuple[str, str]]) -> str:
    packages = " ".join(package for _name, package in missing)
    names = "、".join(name for name, _package in missing)
    return (
        f"柜台窗口打不开：这台电脑缺少显示窗口要用的系统组件（{names}）。\n"
        f"请用管理员身份安装后再运行：sudo apt-get install {packages}\n（{SETUP_HINT}。）"
    )


def window_problem(environ: dict[str, str] | None = None) -> str | None:
    """Plain Chinese words when the window cannot open here for a reason found before Qt starts, else None."""
    if not uses_xcb(environ):
        return None
    if missing := missing_xcb_libraries():
        return missing_message(missing)
    if reason := _plugin_problem():
        log.error("the xcb platform plugin does not load: %s", reason)
        return (
            f"柜台窗口打不开：Qt 的 X11 显示插件加载不了（{reason}）。\n请重新安装本软件后再试"
            f"（从源代码运行时：bash scripts/setup.sh）。"
        )
    return None


def fatal_message(qt_text: str) -> str:
    """The words for a fatal Qt message (with the messages just before it): what failed and how to put it right."""
    last = qt_text.strip().splitlines()[-1] if qt_text.strip() else "（没有说明）"
    if "could not connect to display" in qt_text:
        where = os.environ.get("DISPLAY", "")
        return (
            f"柜台窗口打不开：连接不上显示器（DISPLAY={where}）。\n请在电脑的桌面上运行本软件，或检查 DISPLAY 设置。"
            f"\n{NO_SCREEN_HINT}。"
        )
    if "platform plugin" in qt_text:
        if sys.platform.startswith("linux") and (missing := missing_xcb_libraries()):
            return missing_message(missing)
        if sys.platform.startswith("linux"):
            fix = (
                f"请运行 sudo apt-get install {' '.join(package for _name, package in XCB_LIBRARIES)}"
                f"\n（{SETUP_HINT}；装好了还不行，请重新安装本软件。）"
            )
        else:
            fix = "请重新安装乡村随身办。"
        return f"柜台窗口打不开：Qt 的显示插件加载不了。\n{fix}\nQt 的原话：{last}"
    return f"软件遇到严重错误，需要退出。已经保存的办件不会丢失。\nQt 的原话：{last}"


def tell(text: str) -> None:
    """Say it on the terminal and in the log; on Windows without a terminal (the windowed build) in a message box."""
    log.critical("%s", text, extra={"terminal": False})  # printed below as it is, without the log's prefix
    if sys.stderr is not None:
        print(text, file=sys.stderr, flush=True)
    elif sys.platform == "win32":
        ctypes.windll.user32.MessageBoxW(None, text, "乡村随身办", 0x10 | 0x40000)  # MB_ICONERROR | MB_TOPMOST


def fatal(qt_text: str) -> None:
    """Qt is about to abort (its message is already logged): say why, flush the log, exit with EXIT_NO_WINDOW."""
    tell(fatal_message(qt_text))
    for handler in logging.getLogger().handlers:
        handler.flush()
    os._exit(EXIT_NO_WINDOW)
