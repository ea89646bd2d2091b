"""Activating a new PC from the login screen against the real county endpoint on loopback."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from desktop.app import Shell
from desktop.services.activation import activate
from desktop.services.login import store_exists
from desktop.settings import DEFAULT_COUNTY_SERVER, Settings
from tests.county.conftest import county, county_engine, county_limits, evidence_backend, new_point  # noqa: F401 - fixtures
from tests.desktop.ui.typing import type_text
from tests.factories import PASSWORD

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


def _activation(qtbot, folder):
    shell = Shell(folder, training=False)
    qtbot.addWidget(shell.login)
    shell.show()
    qtbot.mouseClick(shell.login.activate_button, Qt.MouseButton.LeftButton)
    window = shell.activation
    qtbot.addWidget(window)
    return shell, window


def _fill(qtbot, window, server: str, code: str, password: str = PASSWORD, again: str = PASSWORD) -> None:
    for editor in (window.server, window.code, window.password, window.again):
        editor.clear()
    type_text(qtbot, window.server, server)
    type_text(qtbot, window.code, code)
    type_text(qtbot, window.password, password)
    type_text(qtbot, window.again, again)


def test_activation_shows_the_recovery_code_once_then_opens_the_counter(qtbot, county, tmp_path):
    setup = new_point(county)
    shell, window = _activation(qtbot, tmp_path / "ledger")
    assert window.server.text() == DEFAULT_COUNTY_SERVER and not shell.login.isVisible()
    _fill(qtbot, window, county.base_url, setup["code"].lower().replace("-", ""))  # as typed from the slip
    qtbot.keyClick(window.again, Qt.Key.Key_Return)
    assert "正在连接县里" in window.status.text() and not window.submit_button.isEnabled()
    with qtbot.waitSignal(window.job.finished, timeout=20_000):
        pass
    assert window.stack.currentIndex() == 1
    code = window.recovery.text()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){4}", code)
    assert "激活成功：瑶里村小卖部" in window.done_title.text() and "王秀英" in window.done_title.text()
    assert window.recovery.font().pointSize() > window.done_title.font().pointSize()  # big
    assert not window.continue_button.isEnabled()
    assert window.confirm.hasFocus()
    qtbot.keyClick(window.confirm, Qt.Key.Key_Space)
    assert window.confirm.text() == "我已把恢复码抄在纸上并交给乡镇保管" and window.continue_button.isEnabled()
    qtbot.mouseClick(window.continue_button, Qt.MouseButton.LeftButton)
    main = shell.main
    qtbot.addWidget(main)
    assert main.isVisible() and not window.isVisible() and window.recovery.text() == ""  # shown once only
    assert main.counter.identity.point_code == setup["point_code"]
    assert Settings.load(tmp_path / "ledger").get("county_server") == county.base_url
    if main.scheduler.running:  # the first sync starts at once
        with qtbot.waitSignal(main.scheduler.finished, timeout=20_000):
            pass
    assert main.sync_indicator.text() == "已同步"
    main.close()


def test_a_used_code_is_refused_plainly_beside_the_field_and_nothing_is_created(qtbot, county, tmp_path):
    setup = new_point(county)
    activate(county.base_url, setup["code"], tmp_path / "other-pc", PASSWORD).store.close()
    _shell, window = _activation(qtbot, tmp_path / "ledger")
    _fill(qtbot, window, county.base_url, setup["code"])
    window.submit()
    with qtbot.waitSignal(window.job.finished, timeout=20_000):
        pass
    assert window.stack.currentIndex() == 0
    assert "已经用过" in window.fields["code"].error.text() and not window.fields["code"].error.isHidden()
    assert window.fields["server"].error.isHidden() and window.submit_button.isEnabled()
    assert not store_exists(tmp_path / "ledger")


def test_the_form_is_checked_before_the_code_is_spent(qtbot, county, tmp_path):
    setup = new_point(county)
    _shell, window = _activation(qtbot, tmp_path / "ledger")
    _fill(qtbot, window, "ssb.fuliang.gov.cn", "K7QX-M2PA-9TR0", "12345", "54321")
    window.submit()
    assert window.job is None  # nothing went to the county
    assert "https://" in window.fields["server"].error.text()
    assert "12 位" in window.fields["code"].error.text()
    assert "至少要 6 位" in window.fields["password"].error.text()
    _fill(qtbot, window, "http://127.0.0.1:9", setup["code"], PASSWORD, PASSWORD + "x")
    window.submit()
    assert window.job is None and "不一样" in window.fields["again"].error.text()
    window.again.clear()
    type_text(qtbot, window.again, PASSWORD)
    window.submit()  # a county address where nothing answers: said beside the address
    with qtbot.waitSignal(window.job.finished, timeout=20_000):
        pass
    assert "连不上县里的服务器" in window.fields["server"].error.text()
    assert not store_exists(tmp_path / "ledger")
    window.server.clear()
    type_text(qtbot, window.server, county.base_url)
    window.submit()  # the code was not spent by the failed tries
    with qtbot.waitSignal(window.job.finished, timeout=20_000):
        pass
    assert window.stack.currentIndex() == 1
    window.counter.close()


def test_a_full_disk_after_the_county_took_the_code_says_a_new_code_is_needed(qtbot, county, tmp_path, monkeypatch):
    import errno

    from desktop.services import activation

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(activation, "create_store", disk_full)
    _shell, window = _activation(qtbot, tmp_path / "ledger")
    _fill(qtbot, window, county.base_url, new_point(county)["code"])
    window.submit()
    with qtbot.waitSignal(window.job.finished, timeout=20_000):
        pass
    error = window.fields["code"].error.text()
    assert "已经收下了这个激活码" in error and "磁盘已满" in error and "新的激活码" in error
    assert window.stack.currentIndex() == 0 and window.submit_button.isEnabled()
