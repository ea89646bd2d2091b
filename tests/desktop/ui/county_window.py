"""Helpers for whole-window tests against the real county endpoint on loopback: an activated counter, its window."""

from __future__ import annotations

from pathlib import Path

from desktop.jobs.sync import SyncScheduler
from desktop.services.activation import activate
from desktop.services.session import Counter
from desktop.services.syncing import SyncOutcome
from desktop.settings import Settings
from desktop.ui.main_window import MainWindow
from desktop.ui.pages import page_factories
from tests.county.conftest import new_point
from tests.factories import PASSWORD


def activated_counter(county, folder: Path, catalogue, *, url: str | None = None) -> tuple[Counter, dict]:
    """A counter enrolled with the county (through ``url`` when given, e.g. a relay), as after 激活."""
    setup = new_point(county)
    done = activate(url or county.base_url, setup["code"], folder, PASSWORD)
    return Counter(done.store, catalogue, Settings(folder)), setup  # the one clock: syncing is timed by it too


def county_window(qtbot, counter: Counter, **scheduler_options) -> MainWindow:
    """The whole main window; its background sync runs only when a test asks (``sync``)."""
    window = MainWindow(counter, page_factories(counter), scheduler=SyncScheduler(counter, **scheduler_options))
    window.scheduler.setParent(window)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


def sync(qtbot, window: MainWindow, *, press: bool = False, timeout: int = 20_000) -> SyncOutcome:
    """One background run, started by the agent's 立即同步 (``press``) or by the scheduler; waits for its end."""
    with qtbot.waitSignal(window.scheduler.finished, timeout=timeout) as blocker:
        if press:
            page = window.show_page("sync")
            page.sync_button.click()
        else:
            assert window.scheduler.sync_now()
    return blocker.args[0]
