"""Screenshots of every main screen at 1366×768 in each text size, with the practice point's sample data.

``python -m desktop.ui.screenshots docs/screenshots`` (or ``suishenban --screenshots DIR``) runs offscreen and
writes DIR/<size>/NN-<screen>.png for the sizes 标准, 大 and 特大, the day pinned to 2026-11-27 10:30. The
practice ledger is synced with the practice county first (``screenshot_setup``), so the sync screens are real.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sync import clock
from sync.ledger.events import CHINA_TZ

SIZE = (1366, 768)
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=CHINA_TZ)


def _settle(app) -> None:
    for _ in range(3):
        app.processEvents()


def picture_of(shown: list):
    """The window, with a dialog (if one is open) drawn over its middle, as the agent sees it."""
    from PySide6.QtGui import QColor, QPainter

    picture = shown[0].grab()
    if len(shown) > 1:
        shot = shown[1].grab()
        painter = QPainter(picture)
        painter.fillRect(picture.rect(), QColor(0, 0, 0, 90))
        painter.drawPixmap((picture.width() - shot.width()) // 2, max(0, (picture.height() - shot.height()) // 2), shot)
        painter.end()
    return picture


def _with_dialog(window, dialog):
    dialog.fit() if hasattr(dialog, "fit") else None
    return [window, dialog], dialog.close


LOCK_MESSAGE = "代办员账号已被县里注销（违规刷单），暂时不能同步。本机台账数据都还在，请联系县政务服务管理局。"


def _scenes(app, window, login, activation, data) -> list[tuple[str, Callable]]:
    """Each scene puts a screen up and returns (the windows shown, front first after the main one; what to do
    once it has been looked at)."""
    from desktop.ui.record import RecordPage
    from desktop.ui.screenshot_setup import SAMPLE_CODE
    from sync.ledger.kinds import EventType

    def page(key):
        def show():
            window.show_page(key)
            _settle(app)
            return [window], None

        return show

    def record_filled():
        record: RecordPage = window.show_page("record")
        record.start_over()
        record.picker.search.setText("gtgsh")
        record.picker.pick_current()
        record.mode.buttons()[2].setChecked(True)
        record.applicant.name.setText("程建国")
        record.applicant.number.setText("360222197509213117")
        record.applicant.check_number()
        record.applicant.mobile.setText("15179856789")
        record.applicant.village.setText("东埠村")
        record.materials.set_all("received")
        record.materials.groups["premises"].buttons()[1].setChecked(True)
        record.notes.setPlainText("开办农家乐")
        record.consent.setChecked(True)
        _settle(app)
        return [window], None

    def record_consent():
        record = window.pages["record"]
        record.consent.setChecked(False)
        dialog = record.ask_consent()  # what Enter past the last field asks while consent is unticked
        _settle(app)

        def close() -> None:
            dialog.close()
            record.consent.setChecked(True)

        dialog.fit()
        return [window, dialog], close

    def record_saved():
        window.pages["record"].save()
        _settle(app)
        return [window], None

    def print_preview():
        from desktop.services.printouts import receipt_pdf

        record = window.pages["record"]
        dialog = record.printer.preview_pdf("回执", receipt_pdf(record.counter, record.done.saved.case_id))
        _settle(app)
        return _with_dialog(window, dialog)

    def ledger_detail():
        ledger = window.show_page("ledger")
        ledger.apply()
        _settle(app)
        return [window], None

    def ledger_amend():
        ledger = window.pages["ledger"]
        for row in range(ledger.model.rowCount()):
            if EventType.CASE_AMENDED in ledger.pane.detail.actions:
                break
            ledger.table.selectRow(row + 1)
        dialog = ledger.pane.start_action(EventType.CASE_AMENDED)
        _settle(app)
        return _with_dialog(window, dialog)

    def mailing_new():
        mailing = window.show_page("mailing")
        dialog = mailing.start_new()
        _settle(app)
        return _with_dialog(window, dialog)

    def guide():
        guides = window.show_page("guides")
        guides.show_item("FL015")
        _settle(app)
        return [window], None

    def flowchart():
        guides = window.show_page("guides")
        guides.show_item("FL015")
        guides.show_flowchart()
        _settle(app)
        return [window], lambda: guides.tabs.setCurrentIndex(0)

    def login_shot():
        login.show()
        _settle(app)
        return [login], login.hide

    def first_run():
        from desktop.ui.login import LoginWindow

        fresh = LoginWindow(activation.folder, training=False, clock=lambda: NOW)  # a machine without a ledger
        fresh.resize(*SIZE)
        fresh.show()
        _settle(app)
        return [fresh], fresh.close

    def activation_form(refused: bool):
        def show():
            activation.stack.setCurrentIndex(0)
            for editor, text in (
                (activation.code, SAMPLE_CODE),
                (activation.password, "peixun2026"),
                (activation.again, "peixun2026"),
            ):
                editor.setText(text)
            activation.show_errors({"code": data.refusal} if refused else {})
            activation.show()
            _settle(app)
            return [activation], activation.hide

        return show

    def recovery():
        activation.show_recovery(data.recovery_code, data.point_name, data.account_name)
        activation.show()
        _settle(app)
        return [activation], activation.hide

    def consult():
        shown = window.show_page("consult")
        shown.question.setPlainText("开小卖部办个体营业执照，要带哪些材料？房子是租的行不行？")
        shown.item.setCurrentIndex(shown.item.findData("FL015"))
        shown.phone.setText("13979812345")
        _settle(app)
        return [window], None

    def locked():
        window.lock(LOCK_MESSAGE)
        _settle(app)
        return [window], None

    return [
        ("login", login_shot),
        ("home", page("home")),
        ("record", record_filled),
        ("record-consent", record_consent),
        ("record-saved", record_saved),
        ("print-preview", print_preview),
        ("ledger", ledger_detail),
        ("ledger-amend", ledger_amend),
        ("mailing", page("mailing")),
        ("mailing-new", mailing_new),
        ("guides", guide),
        ("points", page("points")),
        ("dayclose", page("dayclose")),
        ("sync", page("sync")),
        ("settings", page("settings")),
        ("first-run", first_run),
        ("activation", activation_form(False)),
        ("activation-refused", activation_form(True)),
        ("activation-recovery", recovery),
        ("guide-flowchart", flowchart),
        ("consult", consult),
        ("locked", locked),  # last: the window stays locked
    ]


def walk(visit: Callable[[object, str, list], None], *, county: bool = True, echo: Callable[[str], None] = print):
    """Put every scene up at every text size, 1366×768, and call ``visit(size, name, windows shown)`` on each.

    With ``county=False`` the practice ledger is used offline (no practice county started): quicker, for tests."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.app import make_application

    app = make_application(None)
    # the whole process on the shots' day, the practice sync's own records included (the one clock's injection
    # point); put back afterwards
    previous = clock.use_clock(clock.ShiftedClock(NOW))
    try:
        _walk(app, visit, county=county, echo=echo)
    finally:
        clock.use_clock(previous)


def _walk(app, visit: Callable[[object, str, list], None], *, county: bool, echo: Callable[[str], None]) -> None:
    from desktop.app import build_main_window
    from desktop.services.login import unlock_counter
    from desktop.services.practice import PASSWORD
    from desktop.settings import TEXT_POINTS, TEXT_SIZES
    from desktop.ui.activation import ActivationWindow
    from desktop.ui.login import LoginWindow
    from desktop.ui.screenshot_setup import prepare_shots
    from desktop.ui.theme import apply_theme

    with tempfile.TemporaryDirectory(prefix="suishenban-shots-") as tmp:
        seeded = Path(tmp) / "seed"
        data = prepare_shots(seeded, NOW, county=county)
        for note in data.notes:
            echo(f"说明：{note}")
        for size in TEXT_SIZES:
            apply_theme(app, TEXT_POINTS[size.value])
            folder = Path(tmp) / size.value
            shutil.copytree(seeded, folder)
            counter = unlock_counter(folder, PASSWORD, training=True, clock=lambda: NOW)
            counter.settings.set("text_size", size.value)
            window = build_main_window(counter, background=False)  # the copies must not sync: they share one device
            window.resize(*SIZE)
            window.show()
            login = LoginWindow(folder, training=True, clock=lambda: NOW, practice_county=False)
            login.resize(*SIZE)
            activation = ActivationWindow(Path(tmp) / f"new-{size.value}", clock=lambda: NOW)
            activation.resize(*SIZE)
            for name, shoot in _scenes(app, window, login, activation, data):
                shown, after = shoot()
                visit(size, name, shown)
                if after is not None:
                    after()
            for widget in (login, activation, window):
                widget.close()


def save_all(out_dir: Path, echo: Callable[[str], None] = print) -> list[Path]:
    """Write every screen in every text size as DIR/<size>/NN-<screen>.png; returns the files written."""
    written: list[Path] = []

    def save(size, name: str, shown: list) -> None:
        target = out_dir / size.value
        target.mkdir(parents=True, exist_ok=True)
        number = sum(1 for path in written if path.parent == target) + 1
        path = target / f"{number:02d}-{name}.png"
        picture_of(shown).save(str(path))
        written.append(path)
        if name == "locked":  # the last scene
            echo(f"{size.label}：已保存 {number} 张截图到 {target}")

    walk(save, echo=echo)
    return written


if __name__ == "__main__":
    save_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
