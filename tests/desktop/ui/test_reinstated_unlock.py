"""A locked counter gets back to work when the county reinstates it (恢复): asked by the agent or by itself at login."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from county.models import LedgerEvent
from county.services import admin, reinstate
from desktop.app import build_main_window
from desktop.services.login import unlock_counter
from desktop.ui.main_window import RESTORED
from tests.county.conftest import county, county_engine, county_limits, evidence_backend  # noqa: F401 - fixtures
from tests.desktop.ui.county_window import activated_counter, county_window
from tests.desktop.ui.net_switch import NetSwitch
from tests.factories import PASSWORD, make_case_draft

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)

BUREAU = "县政务服务管理局"


def revoke(county, account_id: int) -> None:
    with county.session() as session:
        admin.revoke_account(session, account_id, "违规刷单", actor=BUREAU)
        session.commit()


def reinstate_account(county, account_id: int) -> None:
    with county.session() as session:
        reinstate.reinstate_account(session, account_id, "经核实属误注销", actor=BUREAU)
        session.commit()


def events_at_county(county) -> int:
    with county.session() as session:
        return session.scalar(select(func.count()).select_from(LedgerEvent))


def test_the_agent_asks_the_county_and_the_lock_is_lifted_once_it_reinstates(qtbot, county, tmp_path, catalogue):
    counter, setup = activated_counter(county, tmp_path / "data", catalogue)
    try:
        counter.append(make_case_draft(catalogue))
        window = county_window(qtbot, counter)
        revoke(county, setup["account_id"])
        with qtbot.waitSignal(window.scheduler.locked, timeout=20_000):
            window.scheduler.sync_now()
        view = window.lock_view
        assert window.is_locked and view.check_button.isVisible() and view.check_button.text() == "向县里确认是否已恢复"
        with qtbot.waitSignal(window.scheduler.standing_checked, timeout=20_000):
            qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
        assert window.is_locked and "还没有恢复" in view.check_note.text() and view.check_button.isEnabled()

        reinstate_account(county, setup["account_id"])
        with qtbot.waitSignal(window.scheduler.finished, timeout=20_000) as synced:  # unlocked, then it syncs
            with qtbot.waitSignal(window.scheduler.restored, timeout=20_000):
                qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
            assert not window.is_locked and not counter.locked and window.messages.text() == RESTORED
        assert synced.args[0].ok and synced.args[0].report.accepted == 1  # the case recorded before the lock, once
        assert events_at_county(county) == 1 and counter.store.outbox_counts() == {"acked": 1}
        assert window.sync_indicator.text() == "已同步"
        record = window.show_page("record")
        assert record.isVisible() and window.shortcuts[0].isEnabled()
        counter.append(make_case_draft(catalogue))  # recording works again
        assert counter.store.head().seq == 2
        window.close()
        again = unlock_counter(tmp_path / "data", PASSWORD)  # the lift survives a restart
        assert not again.locked
        again.close()
    finally:
        counter.close()


def test_a_counter_that_opens_locked_asks_by_itself_and_opens_up_when_reinstated(qtbot, county, tmp_path, catalogue):
    counter, setup = activated_counter(county, tmp_path / "data", catalogue)
    counter.append(make_case_draft(catalogue))
    window = county_window(qtbot, counter)
    revoke(county, setup["account_id"])
    with qtbot.waitSignal(window.scheduler.locked, timeout=20_000):
        window.scheduler.sync_now()
    window.close()
    reinstate_account(county, setup["account_id"])  # while the shop's PC was off

    again = unlock_counter(tmp_path / "data", PASSWORD)
    assert again.locked  # the lock is remembered until the county says otherwise
    reopened = build_main_window(again)
    qtbot.addWidget(reopened)
    try:
        assert reopened.is_locked
        with qtbot.waitSignal(reopened.scheduler.finished, timeout=20_000) as synced:
            pass  # the check at login lifts the lock, and the usual sync follows
        assert not reopened.is_locked and synced.args[0].ok and synced.args[0].report.accepted == 1
        assert events_at_county(county) == 1
    finally:
        reopened.close()


def test_without_a_network_the_check_says_so_and_the_lock_stays(qtbot, county, tmp_path, catalogue):
    switch = NetSwitch(county.base_url)
    counter, setup = activated_counter(county, tmp_path / "data", catalogue, url=switch.url)
    try:
        window = county_window(qtbot, counter)
        revoke(county, setup["account_id"])
        with qtbot.waitSignal(window.scheduler.locked, timeout=20_000):
            window.scheduler.sync_now()
        reinstate_account(county, setup["account_id"])
        switch.down()
        with qtbot.waitSignal(window.scheduler.standing_checked, timeout=20_000):
            qtbot.mouseClick(window.lock_view.check_button, Qt.MouseButton.LeftButton)
        assert window.is_locked and counter.locked and "没能问到县里" in window.lock_view.check_note.text()
        assert "连不上县里" in window.lock_view.check_note.text() and "注销" in window.lock_view.county.text()
        switch.up()
        with qtbot.waitSignal(window.scheduler.restored, timeout=20_000):
            qtbot.mouseClick(window.lock_view.check_button, Qt.MouseButton.LeftButton)
        assert not window.is_locked
    finally:
        switch.down()
