"""Bad networks: through a fault-injecting proxy, and with the client killed mid-sync, every record
reaches the county exactly once and the points come out exact."""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from sqlalchemy import func, select

from county.models import LedgerEvent
from county.services import admin, points
from desktop.services.activation import activate, sync_client_for
from desktop.store.opening import open_store
from desktop.store.sync_port import StoreSyncPort
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.ledger.forms import draft_complete
from sync.ledger.points import MONTHLY_CAP
from tests.county.conftest import new_point
from tests.county.fault_proxy import FaultProxy
from tests.factories import PASSWORD, make_case_draft

ITEMS = {"FL001": 1, "FL004": 2, "FL011": 3}  # payment, payment, online: points per completed case


def record_cases(store, catalogue, n: int, rng: random.Random) -> tuple[int, int]:
    """n cases, most completed at once; returns (completed cases, raw points)."""
    completed = raw = 0
    for start in range(0, n, 50):
        drafts = []
        for _ in range(min(50, n - start)):
            code = rng.choice(list(ITEMS))
            draft = make_case_draft(catalogue, item_code=code, amount=None if code == "FL011" else "20")
            drafts.append(draft)
            if rng.random() < 0.8:
                drafts.append(draft_complete(draft.body["case_id"]))
                completed, raw = completed + 1, raw + ITEMS[code]
        store.append(*drafts)
    return completed, raw


def assert_exactly_once(county, store, point_code, completed, raw):
    head = store.head().seq
    with county.session() as session:
        count, distinct = session.execute(select(func.count(), func.count(func.distinct(LedgerEvent.event_id)))).one()
        accepted = session.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.status == "accepted"))
        months, _ = points.statement(session, admin.point_by_code(session, point_code))
    assert count == distinct == accepted == head
    assert store.outbox_counts() == {"acked": head}
    (month,) = months.values()
    assert (month.case_count, month.raw, month.credited) == (completed, raw, min(raw, MONTHLY_CAP))


def sync_until_done(engine: SyncEngine, port: StoreSyncPort, limit: int = 3000) -> int:
    runs = 0
    while port.pending_count() and runs < limit:
        engine.run()
        runs += 1
    assert port.pending_count() == 0, f"still {port.pending_count()} pending after {runs} runs"
    return runs


def test_thousands_of_records_arrive_exactly_once_through_a_hostile_network(county, tmp_path, catalogue):
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "d", PASSWORD).store
    try:
        completed, raw = record_cases(store, catalogue, 1200, random.Random(3))
        assert store.head().seq > 2000
        port = StoreSyncPort(store)
        with FaultProxy(county.base_url, fault_rate=0.6, seed=11) as proxy:
            client = SyncClient(proxy.url, sync_client_for(store).device_token, timeout=(5, 30))
            engine = SyncEngine(client, port, app_version="test", batch=25)
            sync_until_done(engine, port)
            # and a final pull/digest check through the same bad network
            while not engine.check_digests().ok:
                pass
        assert proxy.stats.faulted / proxy.stats.requests >= 0.5, proxy.stats
        assert len(proxy.stats.by_fault) == 9, proxy.stats.by_fault
        assert_exactly_once(county, store, setup["point_code"], completed, raw)
    finally:
        store.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill test forks the client (POSIX only)")
def test_killing_the_client_mid_sync_loses_and_doubles_nothing(county, tmp_path, catalogue):
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "k", PASSWORD).store
    completed, raw = record_cases(store, catalogue, 600, random.Random(5))
    folder, unlocked, token = store.layout.folder, store._unlocked, sync_client_for(store).device_token
    store.close()
    rng = random.Random(7)
    with FaultProxy(
        county.base_url, fault_rate=0.5, seed=13, faults=("delay", "duplicate", "error_503_after"), delay=0.02
    ) as proxy:
        for _round in range(25):
            pid = os.fork()
            if pid == 0:
                try:
                    child_store, _ = open_store(folder, unlocked=unlocked)
                    port = StoreSyncPort(child_store)
                    engine = SyncEngine(SyncClient(proxy.url, token), port, app_version="test", batch=40)
                    while port.pending_count():
                        engine.run()
                finally:
                    os._exit(0)
            time.sleep(rng.uniform(0.05, 0.4))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        store, report = open_store(folder, unlocked=unlocked)
        try:
            assert report.recovery is None
            port = StoreSyncPort(store)
            sync_until_done(SyncEngine(SyncClient(proxy.url, token), port, app_version="test", batch=40), port)
            assert_exactly_once(county, store, setup["point_code"], completed, raw)
        finally:
            store.close()
