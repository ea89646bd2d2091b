"""``suishenban --self-test``: a practice ledger in a temp folder, the real window offscreen, one case saved."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

RARE = "𠮷䶮"


def _fonts_cover(text: str) -> bool:
    from PySide6.QtGui import QFont, QFontMetrics

    from desktop.ui.theme import FALLBACKS, PRIMARY

    return all(
        any(QFontMetrics(QFont(family)).inFontUcs4(ord(char)) for family in (PRIMARY, *FALLBACKS)) for char in text
    )


def self_test(echo: Callable[[str], None] = print) -> int:
    """Exit code 0 when the window opens and a case goes through the real form into the ledger."""
    from desktop.app import build_main_window, make_application
    from desktop.services import practice
    from desktop.services.cases import CaseFilter, CaseQueries
    from desktop.services.login import unlock_counter

    folder = Path(tempfile.mkdtemp(prefix="suishenban-selftest-"))
    try:
        app = make_application(None)
        practice.prepare(folder / "training", _today())
        counter = unlock_counter(folder / "training", practice.PASSWORD, training=True)
        window = build_main_window(counter)
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        echo(f"自检：主窗口已打开（{len(window.pages)} 个页面），练习台账 {counter.store.head().seq} 条记录。")
        if not _fonts_cover(RARE):
            echo("自检失败：内置字体显示不了生僻字。")
            return 1
        page = window.show_page("record")
        page.picker.search.setText("jnhf")
        page.picker.pick_current()
        page.applicant.name.setText("王秀英")
        page.applicant.number.setText("360222195603141237")
        page.applicant.mobile.setText("13979812345")  # also the number topped up
        page.applicant.village.setText("瑶里村")
        page.amount.setText("50")
        page.consent.setChecked(True)
        saved = page.save()
        if saved is None:
            echo("自检失败：登记页面没有保存：" + page.summary.text())
            return 1
        found = CaseQueries(counter.store, counter.catalogue).page(CaseFilter(search=saved.receipt_no), 0, 5)
        counter.store.verify()
        window.close()
        if [row.receipt_no for row in found] != [saved.receipt_no]:
            echo("自检失败：保存的办件在台账里没找到。")
            return 1
        echo(f"自检通过：用登记页面登记了“{saved.item.name}”，回执编号 {saved.receipt_no}，台账和哈希链正常。")
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _today():
    from sync.ledger.events import china_now

    return china_now().date()
