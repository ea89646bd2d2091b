"""The login window: the right password opens the ledger, a wrong one says so, repeated ones slow down."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.services.login import LoginThrottle
from desktop.services.session import Counter
from desktop.ui.login import LoginWindow
from tests.factories import PASSWORD, make_store


def _login(qtbot, folder, **kw) -> LoginWindow:
    window = LoginWindow(folder, training=False, **kw)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_right_password_unlocks_the_ledger(qtbot, tmp_path):
    make_store(tmp_path / "data").close()
    window = _login(qtbot, tmp_path / "data")
    qtbot.keyClicks(window.password, PASSWORD)
    with qtbot.waitSignal(window.unlocked, timeout=10_000) as blocker:
        qtbot.keyClick(window.password, "\r")
    counter = blocker.args[0]
    assert isinstance(counter, Counter) and counter.report.recovery is None
    counter.close()


def test_a_wrong_password_is_said_plainly_and_the_fourth_waits(qtbot, tmp_path):
    make_store(tmp_path / "data").close()
    window = _login(qtbot, tmp_path / "data")
    for attempt in range(1, 5):
        window.password.setText("not-the-password")
        window.submit()
        with qtbot.waitSignal(window._job.finished, timeout=10_000):
            pass
        assert "密码不对" in window.status.text()
        assert f"已连续输错 {attempt} 次" in window.status.text()
    assert "请等" in window.status.text() and not window.login_button.isEnabled()
    assert "请等" in window.login_button.text()
    assert not window.password.isEnabled()
    # The wait survives a restart of the app (kept in the data folder).
    assert LoginThrottle(tmp_path / "data").remaining() > 0


def test_the_countdown_ends_and_the_agent_may_try_again(qtbot, tmp_path):
    make_store(tmp_path / "data").close()
    now = [1000.0]
    window = _login(qtbot, tmp_path / "data")
    window.throttle = LoginThrottle(tmp_path / "data", clock=lambda: now[0])
    for _ in range(4):
        window.throttle.failed()
    window._start_countdown(window.throttle.remaining(), "")
    assert not window.login_button.isEnabled()
    now[0] += 6
    window._tick()
    assert window.login_button.isEnabled() and "现在可以再试一次" in window.status.text()


def test_a_machine_without_a_ledger_offers_activation_and_practice(qtbot, tmp_path):
    window = _login(qtbot, tmp_path / "nothing")
    assert window.password.isHidden() and not window.practice.isHidden() and not window.activate_button.isHidden()
    assert "还没有开通" in window.prompt.text() and "激活码" in window.hint.text()
    with qtbot.waitSignal(window.wants_activation, timeout=1000):
        qtbot.mouseClick(window.activate_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.wants_training, timeout=1000):
        qtbot.mouseClick(window.practice, Qt.MouseButton.LeftButton)


def test_training_without_its_practice_county_prepares_an_offline_ledger_then_logs_in(qtbot, tmp_path, monkeypatch):
    from desktop.services import practice
    from desktop.services.training import SandboxError

    def no_county(_folder, _clock_at=None):
        raise SandboxError("培训用的县级端没有启动起来。")

    monkeypatch.setattr(practice, "start_sandbox", no_county)  # as in the frozen app without the county code
    window = LoginWindow(tmp_path / "training", training=True)
    qtbot.addWidget(window)
    window.show()
    assert window.findChild(type(window.status), "trainingBanner") is not None
    qtbot.waitUntil(lambda: window.login_button.isEnabled(), timeout=30_000)
    assert "peixun2026" in window.hint.text()
    qtbot.keyClicks(window.password, "peixun2026")
    with qtbot.waitSignal(window.unlocked, timeout=10_000) as blocker:
        window.submit()
    counter = blocker.args[0]
    assert counter.training and counter.store.head().seq > 20
    assert counter.training_note == practice.OFFLINE_NOTE
    counter.close()


def test_the_whole_app_from_login_to_a_saved_case(qtbot, tmp_path):
    from desktop.app import Shell

    make_store(tmp_path / "data").close()
    shell = Shell(tmp_path / "data", training=False)
    qtbot.addWidget(shell.login)
    shell.show()
    qtbot.keyClicks(shell.login.password, PASSWORD)
    with qtbot.waitSignal(shell.login.unlocked, timeout=10_000):
        qtbot.keyClick(shell.login.password, Qt.Key.Key_Return)
    window = shell.main
    qtbot.addWidget(window)
    assert window.isVisible() and not shell.login.isVisible()
    page = window.show_page("record")
    page.picker.search.setText("jnhf")
    page.picker.pick_current()
    page.applicant.name.setText("王秀英")
    page.applicant.number.setText("360222195603141237")
    page.applicant.mobile.setText("13912345678")  # also the number topped up
    page.amount.setText("30")
    page.consent.setChecked(True)
    assert page.save() is not None
    window.close()
