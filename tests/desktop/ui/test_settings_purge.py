"""The settings page says how long personal data is kept and what the last day close purged."""

from __future__ import annotations

from datetime import timedelta

from desktop.store.sync_port import StoreSyncPort
from tests.desktop.ui.conftest import NOW
from tests.factories import make_case_draft


def test_a_day_close_purges_and_the_settings_page_says_what_and_when(qtbot, window, counter):
    (old,) = counter.append(make_case_draft(business_date=NOW.date() - timedelta(days=200)))
    StoreSyncPort(counter.store).record_results([old.seq], {})
    settings = window.show_page("settings")
    assert "6 个月" in settings.purge_note.text() and "还没有清除过" in settings.purge_note.text()

    page = window.show_page("dayclose")
    page.close_day()
    with qtbot.waitSignal(page.job.finished, timeout=20_000):
        pass
    settings = window.show_page("settings")
    assert "清除了 1 条记录里的个人信息" in settings.purge_note.text()
    settings.editors["personal_data_days"].buttons()[2].setChecked(True)  # 1 年
    assert counter.settings.get("personal_data_days") == "365" and "1 年" in settings.purge_note.text()
