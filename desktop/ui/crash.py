"""Bugs reach a crash dialog (sys.excepthook) with a copyable report that holds no citizen data."""

from __future__ import annotations

import logging
import platform
import re
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from desktop.version import app_version
from sync.clock import china_now

log = logging.getLogger(__name__)
_LONG_DIGITS = re.compile(r"[0-9Xx]{5,}")


def scrub(text: str) -> str:
    """Drop what could be citizen data from a message: any non-ASCII text and any long run of digits."""
    text = _LONG_DIGITS.sub("<数字>", text)
    return "".join(char if char.isascii() else "·" for char in text).replace("··", "·")[:300]


def crash_report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """Where the program failed (files, lines, functions, code), never the values it was working on."""
    lines = [
        f"乡村随身办 {app_version()} 错误报告",
        f"时间：{china_now():%Y-%m-%d %H:%M:%S}",
        f"系统：{platform.platform()}；Python {platform.python_version()}",
        f"错误：{exc_type.__name__}: {scrub(str(exc))}",
        "位置：",
    ]
    for frame in traceback.extract_tb(tb):
        name = Path(frame.filename)
        short = "/".join(name.parts[-3:])
        lines.append(f"  {short}:{frame.lineno} {frame.name}  {scrub((frame.line or '').strip())[:120]}")
    return "\n".join(lines)


class CrashDialog(QDialog):
    def __init__(self, report: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("软件出了问题")
        self.report = report
        layout = QVBoxLayout(self)
        intro = QLabel(
            "软件出了一个问题，这不是您操作的错。\n已经保存的办件都在，不会丢失；正在填写的内容还留在原来的页面上。\n"
            "请点“复制报告”，把报告发给县政务服务管理局的技术人员。报告里没有群众的个人信息。"
        )
        intro.setWordWrap(True)
        text = QPlainTextEdit(report)
        text.setReadOnly(True)
        buttons = QHBoxLayout()
        copy = QPushButton("复制报告")
        copy.clicked.connect(self.copy)
        close = QPushButton("继续使用", objectName="crashClose")
        close.setProperty("role", "primary")
        close.clicked.connect(self.accept)
        buttons.addWidget(copy)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addWidget(intro)
        layout.addWidget(text, 1)
        layout.addLayout(buttons)
        self.resize(900, 520)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.report)


def install_excepthook(log_folder: Path | None = None, *, show: bool = True):
    """Route uncaught exceptions to the log and the crash dialog; returns the hook (tests call it directly)."""

    def hook(exc_type, exc, tb) -> None:
        report = crash_report(exc_type, exc, tb)
        log.error("uncaught %s", exc_type.__name__)
        if log_folder is not None:
            try:
                log_folder.mkdir(parents=True, exist_ok=True)
                with open(log_folder / "crash-reports.log", "a", encoding="utf-8") as out:
                    out.write(report + "\n\n")
            except OSError:
                pass
        app = QApplication.instance()
        if show and app is not None:
            dialog = CrashDialog(report, app.activeWindow())
            hook.last_dialog = dialog
            dialog.open()

    hook.last_dialog = None
    sys.excepthook = hook
    return hook
