"""Two county instances on loopback over one PostgreSQL database: counters, staff and throttles see one county."""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
import requests
from sqlalchemy import func, select, text

from county.api.app import create_app
from county.config import Limits, Settings
from county.db import make_engine, upgrade
from county.models import LedgerEvent
from county.services import staff_login
from county.services.pii import new_key
from desktop.services.activation import activate
from desktop.store.engine import read
from desktop.store.ledger import get_meta
from desktop.store.sync_port import StoreSyncPort
from sync.client import SyncClient
from sync.clock import china_today
from sync.engine import SyncEngine
from sync.ledger.forms import draft_complete
from sync.ledger.receipts import format_receipt_no
from sync.wire import EnrolRequest
from tests.county.conftest import PG_UNAVAILABLE, RunningCounty, new_point, start_server
from tests.county.db_templates import PG_URL
from tests.county.test_enrol_throttle import ROOT, enrol, wrong_code
from tests.county.test_ingest_rules import request_for, sealed_chain
from tests.county.web.conftest import PASSWORD as STAFF_PASSWORD
from tests.county.web.conftest import csrf_of, make_staff
from tests.factories import PASSWORD, make_case_draft

pytestmark = pytest.mark.skipif(
    bool(PG_UNAVAILABLE), reason=f"the two-instance tests need one shared PostgreSQL: {PG_UNAVAILABLE}"
)


@dataclass
class Pair:
    """Instances A and B: each its own process state and its own connection pool, one database schema."""

    a: RunningCounty
    b: RunningCounty

    def ledger_rows(self) -> int:
        with self.a.session() as session:
            return session.scalar(select(func.count()).select_from(LedgerEvent))


@pytest.fixture
def schema() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema, dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    admin_engine = make_engine(PG_URL, pool_size=1, max_overflow=0)
    with admin_engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin_engine.dispose()


@pytest.fixture
def pair(schema) -> Iterator[Pair]:
    key = new_key()  # the one secret every instance is given, as an environment file would
    engines, servers = [], []
    try:
        for _ in range(2):
            engines.append(make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"}))
        upgrade(engines[0])
        running = []
        for engine in engines:
            settings = Settings(database_url="(fixture)", limits=Limits(), pii_key=key)
            server, thread, port = start_server(create_app(settings, engine))
            servers.append((server, thread))
            running.append(RunningCounty(f"http://127.0.0.1:{port}", engine, settings))
        yield Pair(*running)
    finally:
        for server, thread in servers:
            server.should_exit = True
            thread.join(timeout=10)
        for engine in engines:
            engine.dispose()


def record_cases(store, catalogue, count: int) -> int:
    """``count`` gas-bill cases, each completed: two events a case."""
    drafts = []
    for _ in range(count):
        draft = make_case_draft(catalogue, item_code="FL004", amount="30")
        drafts += [draft, draft_complete(draft.body["case_id"])]
    store.append(*drafts)
    return len(drafts)


def sync_to(store, base_url: str):
    """The counter's own sync engine, its client pointed at one instance; small batches, so many requests."""
    with read(store.engine) as conn:
        token = get_meta(conn)["device_token"]
    client = SyncClient(base_url, token, app_version="test")
    return SyncEngine(client, StoreSyncPort(store), app_version="test", batch=10).run()


@pytest.mark.date_sensitive
def test_counters_push_to_both_instances_at_once_and_every_event_is_stored_once(pair, tmp_path, catalogue):
    first = activate(pair.a.base_url, new_point(pair.a)["code"], tmp_path / "one", PASSWORD).store
    second = activate(pair.b.base_url, new_point(pair.b, name="石溪村便民店")["code"], tmp_path / "two", PASSWORD).store
    roving = activate(pair.a.base_url, new_point(pair.a, name="里村小卖部")["code"], tmp_path / "three", PASSWORD).store
    try:
        sent = record_cases(first, catalogue, 40) + record_cases(second, catalogue, 40)
        reports = {}
        threads = [
            threading.Thread(target=lambda: reports.__setitem__("a", sync_to(first, pair.a.base_url))),
            threading.Thread(target=lambda: reports.__setitem__("b", sync_to(second, pair.b.base_url))),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert reports["a"].ok and reports["b"].ok, reports
        assert (reports["a"].accepted, reports["b"].accepted) == (80, 80)
        assert reports["a"].requests >= 8 and reports["b"].requests >= 8  # batches of ten, interleaved

        for round_no in range(4):  # one counter whose batches land on A, then B, then A, then B
            sent_now = record_cases(roving, catalogue, 5)
            sent += sent_now
            report = sync_to(roving, (pair.a, pair.b)[round_no % 2].base_url)
            assert report.ok and (report.accepted, report.duplicates) == (sent_now, 0)
        assert pair.ledger_rows() == sent == 200
        assert {s.outbox_counts().get("acked") for s in (first, second, roving)} == {80, 40}
    finally:
        for store in (first, second, roving):
            store.close()


@pytest.mark.date_sensitive
def test_one_batch_sent_to_both_instances_at_once_is_stored_once_and_answered_duplicate_once(pair, catalogue):
    made = new_point(pair.a)
    enrolled = SyncClient(pair.b.base_url, app_version="test").enrol(
        EnrolRequest(activation_code=made["code"], app_version="test", device_time="2026-11-27T09:30:00.000+08:00")
    )
    device_id = enrolled.device_token.split(".")[0]
    drafts = []
    for serial in range(1, 31):
        draft = make_case_draft(catalogue, item_code="FL004", amount="30")
        receipt = format_receipt_no(made["point_code"], china_today(), enrolled.device_no, serial)
        drafts += [replace(draft, body={**draft.body, "receipt_no": receipt}), draft_complete(draft.body["case_id"])]
    batch = request_for(device_id, sealed_chain(device_id, drafts))
    clients = [SyncClient(c.base_url, enrolled.device_token, app_version="test") for c in (pair.a, pair.b)]
    start, answers = threading.Barrier(2), [None, None]

    def send(n: int) -> None:
        start.wait()
        answers[n] = clients[n].push(batch)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not a.rejected for a in answers), answers
    assert sorted(([list(r) for r in a.accepted], [list(r) for r in a.duplicate]) for a in answers) == [
        ([], [[1, 60]]),
        ([[1, 60]], []),
    ]  # the device's row lock: whichever instance came second found every event already there
    again = clients[0].push(batch)
    assert [list(r) for r in again.duplicate] == [[1, 60]] and not again.accepted
    assert pair.ledger_rows() == 60


def test_a_console_session_moves_between_instances_and_ends_on_both(pair):
    make_staff(pair.a, "clerk.li", "bureau_clerk")
    browser = requests.Session()  # one cookie jar, as one browser behind one address
    form = browser.get(f"{pair.a.base_url}/console/login", timeout=10)
    signed = browser.post(  # the form from A, the password to B
        f"{pair.b.base_url}/console/login",
        data={"username": "clerk.li", "password": STAFF_PASSWORD, "csrf": csrf_of(form.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/console/"
    on_a = browser.get(f"{pair.a.base_url}/console/", allow_redirects=False, timeout=10)
    on_b = browser.get(f"{pair.b.base_url}/console/", allow_redirects=False, timeout=10)
    assert on_a.status_code == on_b.status_code == 200
    assert "clerk.li" in on_a.text or "测试人员" in on_a.text
    assert csrf_of(on_a.text) == csrf_of(on_b.text)  # the session's CSRF token is the database's, not an instance's

    refused = browser.post(f"{pair.b.base_url}/console/logout", data={"csrf": "wrong"}, allow_redirects=False)
    assert refused.status_code == 403  # still checked against the session's own token on B
    out = browser.post(
        f"{pair.b.base_url}/console/logout", data={"csrf": csrf_of(on_a.text)}, allow_redirects=False, timeout=10
    )
    assert out.status_code == 303
    cookie = {"ssb_console": signed.cookies["ssb_console"]}  # the old cookie, replayed on A after signing out on B
    after = requests.get(f"{pair.a.base_url}/console/", cookies=cookie, allow_redirects=False, timeout=10)
    assert after.status_code == 303 and after.headers["location"] == "/console/login"


def test_wrong_activation_codes_spread_over_both_instances_count_together(pair):
    rng = random.Random(16)
    limit = pair.a.settings.limits.enrol_failures_per_window
    key = secrets.token_hex(32)
    statuses = [enrol((pair.a, pair.b)[n % 2].base_url, wrong_code(rng), key=key).status_code for n in range(limit + 2)]
    assert statuses == [400] * limit + [429, 429]  # the 11th is refused on B, the 12th on A
    own = new_point(pair.a)["code"]
    assert enrol(pair.b.base_url, own, key=key).status_code == 429  # even the right code waits, on either instance


def test_wrong_passwords_spread_over_both_instances_lock_the_account_on_both(pair):
    make_staff(pair.a, "clerk.wang", "bureau_clerk")

    def try_password(base_url: str, password: str) -> requests.Response:
        browser = requests.Session()
        form = browser.get(f"{base_url}/console/login", timeout=10)
        data = {"username": "clerk.wang", "password": password, "csrf": csrf_of(form.text)}
        return browser.post(f"{base_url}/console/login", data=data, allow_redirects=False, timeout=10)

    answers = [try_password((pair.a, pair.b)[n % 2].base_url, f"猜的密码{n}") for n in range(staff_login.LOCK_AFTER)]
    assert [a.status_code for a in answers] == [401] * staff_login.LOCK_AFTER
    for instance in (pair.a, pair.b):  # the right password, now, on either instance: locked
        locked = try_password(instance.base_url, STAFF_PASSWORD)
        assert locked.status_code == 429 and "已锁定" in locked.text


def test_instances_started_together_on_a_new_database_both_come_up(schema):
    """Each instance migrates at start; two at once take turns (an advisory lock) instead of one failing on the
    tables the other is creating."""
    code = (
        "from county.db import make_engine, upgrade; "
        f"upgrade(make_engine({PG_URL!r}, connect_args={{'options': '-csearch_path={schema}'}}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    starts = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    errors = [start.communicate(timeout=60)[1] for start in starts]
    assert [start.returncode for start in starts] == [0, 0], errors
