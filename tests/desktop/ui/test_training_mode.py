"""Training mode for real: the practice county starts as a child process, records go up, statuses come back."""

from __future__ import annotations

from desktop.app import Shell
from desktop.jobs import sync as background
from desktop.services.cases import CaseFilter, CaseQueries
from desktop.services.practice import PASSWORD
from desktop.ui.sync_page import TRAINING_LINE


def test_training_enrols_with_the_practice_county_syncs_and_brings_department_statuses_back(
    qtbot, tmp_path, monkeypatch
):
    monkeypatch.setattr(background, "TRAINING_PERIOD_S", 1)  # the app asks every few seconds; the test every second
    shell = Shell(tmp_path / "training", training=True)
    qtbot.addWidget(shell.login)
    shell.show()
    assert "培训用的县级端" in shell.login.status.text()
    qtbot.waitUntil(shell.login.login_button.isEnabled, timeout=40_000)
    (sandbox,) = shell.sandboxes
    try:
        qtbot.keyClicks(shell.login.password, PASSWORD)
        with qtbot.waitSignal(shell.login.unlocked, timeout=20_000):
            shell.login.submit()
        main = shell.main
        qtbot.addWidget(main)
        counter = main.counter
        assert counter.identity.point_code == "9999" and counter.training_note == ""
        assert counter.store.head().seq > 20  # the practice week was seeded into the enrolled ledger
        qtbot.waitUntil(lambda: main.sync_indicator.text() == "已同步", timeout=20_000)
        queries = CaseQueries(counter.store, counter.catalogue)

        def department_answered() -> bool:
            return sum(queries.count(CaseFilter(state=state)) for state in ("accepted", "completed")) > 0 and any(
                "来自县里" in entry.sync for entry in _timelines(main)
            )

        qtbot.waitUntil(department_answered, timeout=20_000)  # the pretend department acts every 5 s
        page = main.show_page("sync")
        assert page.lines["note"][1].text() == TRAINING_LINE and "刚刚" in page.lines["success"][1].text()
        main.close()
    finally:
        shell.shutdown()
    assert sandbox.process.poll() is not None  # the practice county stopped with the app


def _timelines(main):
    """Timeline entries of the approval cases in the ledger (whose statuses the department sets)."""
    from desktop.services.case_detail import load_detail

    counter = main.counter
    rows = CaseQueries(counter.store, counter.catalogue).page(CaseFilter(state="accepted"), 0, 5) + CaseQueries(
        counter.store, counter.catalogue
    ).page(CaseFilter(state="completed"), 0, 50)
    return [entry for row in rows for entry in load_detail(counter, row.case_id).timeline]
