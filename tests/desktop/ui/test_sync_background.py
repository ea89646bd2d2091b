"""Background sync against the real county on loopback: the network drops and returns, day close, the sync file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from county.models import LedgerEvent
from county.services.sync_file import import_file
from sync.engine import Backoff
from tests.county.conftest import county, county_engine, county_limits, evidence_backend  # noqa: F401 - fixtures
from tests.desktop.ui.county_window import activated_counter, county_window, sync
from tests.desktop.ui.net_switch import NetSwitch
from tests.factories import make_case_draft

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


def test_when_the_network_drops_it_says_so_calmly_and_syncs_as_soon_as_it_returns(qtbot, county, tmp_path, catalogue):
    switch = NetSwitch(county.base_url)
    counter, _setup = activated_counter(county, tmp_path / "data", catalogue, url=switch.url)
    try:
        # A long backoff, so only the network probe (every 0.1 s here, 30 s in the app) can bring the retry forward.
        window = county_window(qtbot, counter, backoff=Backoff(base=600, rng=lambda: 1.0), probe_s=0.1)
        counter.append(make_case_draft(catalogue))
        switch.down()
        outcome = sync(qtbot, window)
        assert outcome.offline and not outcome.ok and window.scheduler.waiting
        assert window.sync_indicator.text() == "网络未连接（数据已保存在本机）"
        page = window.show_page("sync")
        assert "网络未连接" in page.headline.text() and "连不上县里的服务器" in page.lines["error"][1].text()
        assert window.scheduler.retry_in_s == 600  # Backoff.next_delay: 1.0 × base on the first failure
        with qtbot.waitSignal(window.scheduler.finished, timeout=10_000) as blocker:
            switch.up()
        assert blocker.args[0].ok and blocker.args[0].report.accepted == 1
        assert window.sync_indicator.text() == "已同步" and not window.scheduler.waiting
        assert page.lines["error"][1].isHidden()
    finally:
        switch.down()


def test_a_day_close_syncs_and_then_checks_the_monthly_digests(qtbot, county, tmp_path, catalogue):
    counter, _setup = activated_counter(county, tmp_path / "data", catalogue)
    window = county_window(qtbot, counter)
    counter.append(make_case_draft(catalogue))
    page = window.show_page("dayclose")
    with qtbot.waitSignal(window.scheduler.finished, timeout=20_000) as blocker:
        page.close_day()
    outcome = blocker.args[0]
    assert outcome.ok and outcome.digests_checked and outcome.digest_mismatch == ()
    assert outcome.report.accepted == 2  # the case and the day close
    assert window.sync_indicator.text() == "已同步"


def test_the_sync_file_is_exported_from_the_page_and_the_county_takes_it(qtbot, county, tmp_path, catalogue):
    counter, _setup = activated_counter(county, tmp_path / "data", catalogue)
    window = county_window(qtbot, counter)
    for _ in range(2):
        counter.append(make_case_draft(catalogue))
    page = window.show_page("sync")
    assert page.export_button.isEnabled()
    stick = tmp_path / "U盘" / "瑶里村-同步文件.ssb"
    stick.parent.mkdir()
    page.choose_file = lambda: stick  # the agent picks the stick in the file dialog
    job = page.export()
    with qtbot.waitSignal(job.finished, timeout=20_000):
        pass
    assert stick.read_bytes().startswith(b"SUISHENBAN-SYNC 2\n")
    assert "已把 2 条待同步的记录导出" in window.messages.text() and "乡镇" in window.messages.text()
    assert window.sync_indicator.text() == "待同步 2 条"  # still waiting: an online sync will be acknowledged later
    with county.session() as session:
        result = import_file(session, stick.read_bytes(), max_events=500, settings=county.settings, actor="乡镇")
        session.commit()
        assert [r.status for r in result.results] == ["accepted", "accepted"]
        assert session.scalar(select(func.count()).select_from(LedgerEvent)) == 2
    outcome = sync(qtbot, window, press=True)
    assert outcome.ok and outcome.report.duplicates == 2 and window.sync_indicator.text() == "已同步"


def test_without_anything_to_export_the_page_says_so(qtbot, county, tmp_path, catalogue):
    counter, _setup = activated_counter(county, tmp_path / "data", catalogue)
    window = county_window(qtbot, counter)
    page = window.show_page("sync")
    assert not page.export_button.isEnabled()
    page.choose_file = lambda: tmp_path / "empty.ssb"
    job = page.export()
    with qtbot.waitSignal(job.finished, timeout=20_000):
        pass
    assert "没有需要同步的记录" in window.messages.text() and not (tmp_path / "empty.ssb").exists()
