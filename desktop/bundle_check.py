"""What ``--self-test`` checks before the window: every bundled file, the Qt plugins, and a page through PDF and print.

The same checks run from source and in the frozen one-folder build, so a build that left a font, the
catalogue, the working days, a migration or a Qt plugin behind fails its smoke test here instead of at a
counter. Each problem is one plain sentence; an empty list means the bundle is whole.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import resources

FONT_LICENCES = ("LICENSE-wqy-microhei.txt", "LICENSE-hanazono.txt", "README.md")
# The Qt plugins the counter needs, per OS: a platform to draw on (offscreen for the self-test and the
# screenshots) and the printer backend. PNG (screenshots) is built into QtGui, so no image-format plugin.
QT_PLUGINS = {
    "linux": {"platforms": ("qxcb", "qoffscreen"), "printsupport": ("cupsprintersupport",)},
    "win32": {"platforms": ("qwindows", "qoffscreen")},  # Qt 6 prints on Windows without a plugin
}
QT_TRANSLATION = "qtbase_zh_CN.qm"  # Qt's own words (file dialog, right-click menus) in Chinese: desktop/app.py


def resource_problems() -> list[str]:
    """Bundled data the app reads: fonts and their licences, the catalogue with its units, the working days."""
    from desktop.store.migrations import MIGRATIONS
    from desktop.ui.icon import ICO, PNG
    from desktop.ui.theme import FONT_FILES
    from sync.ledger.catalogue import bundled_versions, load_catalogue
    from sync.ledger.workdays import bundled_table

    wanted = [("fonts", name) for name in (*FONT_FILES, *FONT_LICENCES)] + [("icons", PNG), ("icons", ICO)]
    problems = [
        f"缺少内置文件：resources/{folder}/{name}"
        for folder, name in wanted
        if not resources.path(folder, name).is_file()
    ]
    try:
        load_catalogue()
        if not bundled_versions():
            problems.append("缺少内置的事项清单（resources/catalogue）")
    except Exception as exc:
        problems.append(f"内置事项清单读不出来：{exc}")
    try:
        bundled_table()
    except Exception as exc:
        problems.append(f"内置工作日表读不出来：{exc}")
    from importlib import resources as importlib_resources

    migrations = importlib_resources.files("desktop.store.migrations")
    problems += [
        f"缺少数据库升级文件：{name}.sql" for name in MIGRATIONS if not migrations.joinpath(f"{name}.sql").is_file()
    ]
    return problems


def qt_plugin_problems(platform: str | None = None) -> list[str]:
    """The Qt plugins listed in QT_PLUGINS are where Qt looks for them."""
    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    wanted = QT_PLUGINS.get(platform or sys.platform, {})
    problems = []
    for kind, names in wanted.items():
        present = {file.stem.removeprefix("lib") for file in (folder / kind).glob("*") if file.is_file()}
        problems += [f"缺少 Qt 插件：{kind}/{name}" for name in names if name not in present]
    translations = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if not (translations / QT_TRANSLATION).is_file():
        problems.append(f"缺少 Qt 中文翻译：{QT_TRANSLATION}（Qt 自带的对话框会显示英文）")
    return problems


def print_problems() -> list[str]:
    """A guide page through the whole print path: reportlab with the bundled fonts, Qt PDF, Qt Print Support."""
    from PySide6.QtPrintSupport import QPrinter

    from desktop.printing.documents import pdf_of
    from desktop.printing.papers import PAPERS
    from desktop.printing.qt_print import print_pdf
    from desktop.services.print_data import guide_data
    from sync.ledger.catalogue import load_catalogue

    catalogue = load_catalogue()
    pdf = pdf_of(guide_data(catalogue, catalogue.items[0].code), next(iter(PAPERS.values())))
    with tempfile.TemporaryDirectory(prefix="suishenban-print-") as work:
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(Path(work) / "page.pdf"))
        result = print_pdf(pdf, printer)
        printed = Path(work, "page.pdf").stat().st_size if Path(work, "page.pdf").exists() else 0
    if not result.ok or printed == 0:
        return [f"打印检查没有通过：{result.message}"]
    return []


def check_bundle(echo: Callable[[str], None] = print) -> int:
    """Run every check (a QApplication must exist); exit code 0 when nothing is missing."""
    from desktop.version import app_version

    problems = resource_problems() + qt_plugin_problems()
    if not problems:
        problems = print_problems()
    for problem in problems:
        echo("自检失败：" + problem)
    if not problems:
        echo(f"自检：内置字体、事项清单、工作日表、数据库升级文件和 Qt 插件齐全，打印正常；版本 {app_version()}。")
    return 1 if problems else 0
