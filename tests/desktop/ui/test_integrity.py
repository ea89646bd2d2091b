"""台账自检: after an unclean shutdown a large ledger opens at once and is checked in the background."""

from __future__ import annotations

import pytest

from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.store import opening
from desktop.store.engine import read
from desktop.store.ledger import get_meta
from desktop.store.opening import open_store
from tests.desktop.store.test_recovery import page_of, smash
from tests.desktop.ui.conftest import NOW
from tests.factories import make_case_draft, make_store


@pytest.fixture
def after_power_cut(tmp_path, catalogue, monkeypatch):
    """A ledger treated as large, killed without a clean close; ``damage`` smashes an index page first."""
    monkeypatch.setattr(opening, "FULL_CHECK_BYTES", 0)
    made = []

    def open_counter(*, damage: bool) -> Counter:
        store = make_store(tmp_path / "data")
        for _ in range(3):
            store.append(make_case_draft(catalogue))
        folder, unlocked = store.layout.folder, store._unlocked
        page, size = page_of(store, "ix_case_name")
        store.engine.dispose()  # the power went: no clean shutdown recorded
        store._mark_file.close()  # and the process's open files went with it
        if damage:
            smash(store.layout.database, page, size)
        reopened, report = open_store(folder, unlocked=unlocked)
        assert report.check_due and report.recovery is None  # opened at once, the check left for later
        counter = Counter(reopened, catalogue, Settings(folder), report=report, clock=lambda: NOW)
        made.append(counter)
        return counter

    yield open_counter
    for counter in made:
        counter.close()


def _shown(qtbot, counter):
    from desktop.app import build_main_window

    window = build_main_window(counter)
    qtbot.addWidget(window)
    window.show()
    return window


def _run_check(qtbot, window):
    job = window.integrity.run()
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    return window.integrity.passed


def test_the_due_check_runs_in_the_background_and_a_whole_file_is_quiet(qtbot, after_power_cut):
    counter = after_power_cut(damage=False)
    window = _shown(qtbot, counter)
    assert _run_check(qtbot, window) is True
    assert "自检" not in window.messages.text() and not counter.store.layout.check_failed.exists()
    with read(counter.store.engine) as conn:
        assert get_meta(conn)["check_due"] == "0"


def test_damage_found_in_the_background_is_a_calm_message_and_the_next_open_restores(qtbot, after_power_cut):
    counter = after_power_cut(damage=True)
    window = _shown(qtbot, counter)
    assert _run_check(qtbot, window) is False
    assert "自检发现了问题" in window.messages.text() and "不会丢失" in window.messages.text()
    assert counter.store.layout.check_failed.exists()
    folder, unlocked = counter.store.layout.folder, counter.store._unlocked
    counter.close()
    restored, report = open_store(folder, unlocked=unlocked)  # the mark makes this open check and restore
    try:
        assert report.recovery is not None and report.recovery.lost == 0
    finally:
        restored.close()
