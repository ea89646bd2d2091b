"""Training mode for real: the sandbox county runs as a child process; records go up, statuses come back."""

from __future__ import annotations

import time

from sqlalchemy import select

from county.training import returned_in_training
from desktop.services.training import TrainingSandbox, open_training_store, sync_now
from desktop.store.engine import read
from desktop.store.schema import case
from sync.ledger.forms import draft_materials_sent
from tests.factories import make_case_draft


def test_practice_records_sync_to_the_sandbox_and_department_statuses_come_back(tmp_path, catalogue):
    folder = tmp_path / "training"
    sandbox = TrainingSandbox.start(folder)
    try:
        store, recovery_code = open_training_store(folder, sandbox)
        assert recovery_code and store.identity.point_code == "9999"
        item = catalogue.by_code("FL016")
        (ev,) = store.append(
            make_case_draft(
                catalogue, item_code="FL016", amount=None, materials={m.code: "received" for m in item.guide.materials}
            )
        )
        store.append(draft_materials_sent(ev.body["case_id"]))
        assert sync_now(store).accepted == 2

        deadline = time.monotonic() + 30  # the pretend department acts every few seconds
        state = "materials_sent"
        while state == "materials_sent" and time.monotonic() < deadline:
            time.sleep(1)
            sync_now(store)
            with read(store.engine) as conn:
                state = conn.execute(select(case.c.state).where(case.c.case_id == ev.body["case_id"])).scalar()
        # the pretend department returns one case in four (decided by the case id), accepts the rest
        expected = ("returned",) if returned_in_training(ev.body["case_id"]) else ("accepted", "completed")
        assert state in expected
        store.close()
    finally:
        sandbox.stop()

    # a second start reuses the practice ledger and the sandbox's own database
    again = TrainingSandbox.start(folder)
    try:
        store, recovery_code = open_training_store(folder, again)
        assert recovery_code is None and sync_now(store).ok
        store.close()
    finally:
        again.stop()
    assert (folder / "county-sandbox.db").exists()


def test_the_sandbox_stops_when_the_counter_goes_away(tmp_path):
    """However the counter ends (even killed), its end closes the sandbox's stdin and the sandbox stops."""
    sandbox = TrainingSandbox.start(tmp_path / "training")
    try:
        sandbox.process.stdin.close()  # what the OS does when the counter process dies
        assert sandbox.process.wait(timeout=20) is not None
    finally:
        sandbox.stop()


def test_a_practice_county_started_on_a_set_day_keeps_that_days_time(tmp_path):
    """The screenshots show one set day; the practice county behind them runs its clock from that instant."""
    from datetime import datetime, timedelta

    from desktop.services.activation import sync_client_for
    from sync.clock import CHINA_TZ
    from sync.ledger.events import parse_time

    start = datetime(2031, 5, 6, 8, 0, tzinfo=CHINA_TZ)  # no machine runs on this day: only the shift explains it
    folder = tmp_path / "training"
    sandbox = TrainingSandbox.start(folder, clock_at=start)
    try:
        store, _code = open_training_store(folder, sandbox)
        try:
            told = parse_time(sync_client_for(store).status().server_time)
        finally:
            store.close()
        assert start <= told < start + timedelta(minutes=2)
    finally:
        sandbox.stop()
