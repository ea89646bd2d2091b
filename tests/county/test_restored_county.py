"""A county restored from an older backup gets back what it lost from the counters at their next sync.

The real counter store and sync engine against the real endpoint on loopback; the county's SQLite file is
copied mid-way (SQLite's online backup, as a backup job would), more is synced, then the copy is put back.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from county.db import upgrade
from county.models import Case, Device, LedgerEvent, Point
from county.services import notices
from desktop.store.sync_port import StoreSyncPort
from sync.ledger.forms import draft_complete
from tests.county.test_sync_e2e import activated, engine_for
from tests.factories import make_case_draft

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


def back_up(county, to: Path) -> None:
    source, copy = sqlite3.connect(county.engine.url.database), sqlite3.connect(to)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()


def restore(county, backup: Path) -> None:
    """What the bureau does after losing the disk: put the last backup in place (the endpoint keeps running)."""
    county.engine.dispose()
    database = Path(county.engine.url.database)
    for extra in (database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        extra.unlink(missing_ok=True)
    shutil.copyfile(backup, database)


def held(county, device_id: str) -> tuple[int, int, set[str]]:
    """(head at the county, events held, ids of completed cases)."""
    with county.session() as session:
        head = session.get(Device, device_id).head_seq
        events = session.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.device_id == device_id))
        done = set(session.scalars(select(Case.case_id).where(Case.device_id == device_id, Case.state == "completed")))
    return head, events, done


def record(store, catalogue, count: int) -> set[str]:
    completed = set()
    for _ in range(count):
        (case,) = store.append(make_case_draft(catalogue, item_code="FL012", amount="200"))
        store.append(draft_complete(case.body["case_id"]))
        completed.add(case.body["case_id"])
    return completed


@pytest.fixture
def synced_then_restored(county, tmp_path, catalogue):
    """A counter that synced 6 events, was backed up, synced 8 more; then the county is restored from the backup."""
    store, _setup = activated(county, tmp_path)
    device_id = store.identity.device_id
    early = record(store, catalogue, 3)
    assert engine_for(store).run().accepted == 6
    back_up(county, tmp_path / "county-backup.db")
    later = record(store, catalogue, 4)
    assert engine_for(store).run().accepted == 8
    assert held(county, device_id) == (14, 14, early | later)
    restore(county, tmp_path / "county-backup.db")
    assert held(county, device_id) == (6, 6, early)  # the county lost the last 8
    assert store.outbox_counts() == {"acked": 14}  # and the counter believes they are there
    yield store, device_id, early | later
    store.close()


def test_the_monthly_check_finds_what_the_county_lost_and_sends_it_again(county, synced_then_restored):
    store, device_id, completed = synced_then_restored
    engine = engine_for(store)
    assert engine.run().pushed == 0  # nothing waits: only the digest check can see the loss
    checked = engine.check_digests()
    assert checked.ok and checked.digest_mismatch == [next(store.events()).occurred_at[:7]]
    again = engine.run()
    assert again.ok and (again.pushed, again.accepted) == (8, 8)
    assert held(county, device_id) == (14, 14, completed)
    assert engine.check_digests().digest_mismatch == []
    assert StoreSyncPort(store).acknowledged_months() == engine.client.status().months


def test_a_new_record_after_the_restore_brings_back_the_gap_before_it(county, synced_then_restored, catalogue):
    store, device_id, completed = synced_then_restored
    completed |= record(store, catalogue, 1)
    report = engine_for(store).run()  # the county answers "gap" from its head; the counter resends from there
    assert report.ok and report.accepted == 10
    assert held(county, device_id) == (16, 16, completed)
    assert engine_for(store).check_digests().digest_mismatch == []


def test_after_the_restore_and_restart_the_counter_still_gets_new_statuses(county, synced_then_restored):
    """The restored county hands out feed numbers it had already given; restarting it raises the floor, so
    a status set afterwards sorts after the counter's cursor and reaches it (before, it was skipped)."""
    store, device_id, _completed = synced_then_restored
    port = StoreSyncPort(store)
    cursor_before = port.pull_cursor()
    upgrade(county.engine)  # what `suishenban-county serve` does at every start
    with county.session() as session:
        point = session.get(Point, session.get(Device, device_id).point_id)
        notices.publish_notice(session, "恢复后的通知", "县里的服务器已恢复。", point_code=point.code, actor="县局")
        session.commit()
    report = engine_for(store).run()
    assert report.ok and report.pulled >= 1, report
    assert any("恢复后的通知" in item["payload_json"] for item in port.county_items("notice"))
    assert port.pull_cursor() > cursor_before
