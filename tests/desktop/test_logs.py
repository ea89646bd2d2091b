"""The counter's log: a rotating file in the data folder with Qt's messages, errors on the terminal, and no
personal data anywhere."""

from __future__ import annotations

import logging

from PySide6.QtCore import QtMsgType

from desktop import app, cli, logs

ID_NUMBER, PHONE, NAME = "36022219581107432X", "13979812345", "程建国"


def test_personal_data_never_reaches_the_file_or_the_terminal(tmp_path, capsys):
    path = logs.configure(tmp_path / "ledger")
    assert path == tmp_path / "ledger" / "logs" / "suishenban.log"
    log = logging.getLogger("desktop.services.anything")
    log.info("case for %s (%s), name=%s", ID_NUMBER, PHONE, NAME)
    log.error("%(who)s called from %(phone)s", {"who": f"姓名：{NAME}", "phone": PHONE})
    try:
        raise ValueError(f"bad id {ID_NUMBER.lower()}")
    except ValueError:
        log.exception("refused")
    app._qt_message(QtMsgType.QtCriticalMsg, None, f"clipboard held {PHONE}")
    text = path.read_text(encoding="utf-8")
    terminal = capsys.readouterr().err
    for written in (text, terminal):
        assert ID_NUMBER not in written and ID_NUMBER.lower() not in written
        assert PHONE not in written and NAME not in written
    assert "case for 3602**********432X (139****2345), name=程**" in text
    assert "姓名：程** called from 139****2345" in text and "ValueError: bad id 3602**********432x" in text
    assert "ERROR desktop.app: qt: clipboard held 139****2345" in text
    assert "case for" not in terminal  # info stays in the file; errors and Qt's critical messages also on the terminal
    assert "called from 139****2345" in terminal and "qt: clipboard held 139****2345" in terminal


def test_qt_warnings_go_to_the_file_and_known_noise_is_dropped(tmp_path, capsys):
    path = logs.configure(tmp_path / "ledger")
    app._qt_message(QtMsgType.QtWarningMsg, None, "QFont::setPointSize: Point size <= 0 (0)")
    app._qt_message(QtMsgType.QtWarningMsg, None, "This plugin does not support propagateSizeHints()")
    text = path.read_text(encoding="utf-8")
    assert "WARNING desktop.app: qt: QFont::setPointSize" in text and "propagateSizeHints" not in text
    assert capsys.readouterr().err == ""


def test_configured_again_it_replaces_its_handlers(tmp_path):
    logs.configure(tmp_path / "one")
    second = logs.configure(tmp_path / "two")
    logging.getLogger("desktop").warning("only here")
    assert "only here" in second.read_text(encoding="utf-8")
    assert "only here" not in (tmp_path / "one" / "logs" / "suishenban.log").read_text(encoding="utf-8")


def test_the_practice_day_on_the_command_line_leaves_its_log_in_the_data_folder(tmp_path):
    folder = tmp_path / "training"
    assert cli.main(["--training", "--data-dir", str(folder), "demo"]) == 0
    text = (folder / "logs" / logs.LOG_FILE).read_text(encoding="utf-8")
    assert "INFO desktop.store" in text and "13979812345" not in text
