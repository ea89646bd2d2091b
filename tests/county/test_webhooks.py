"""Webhook notifications of API clients end to end on loopback: a real receiver checks the signature, failures
are tried again with growing delays, a restarted worker resumes, two workers never send twice, a change outside a
client's scope does not notify it (docs/data-api.md, "Webhook notifications")."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlalchemy import select

from bench.sync_county import provision
from bench.sync_load import case_drafts, seal_chain
from county.api.app import create_app, start_webhook_worker
from county.api.webhook_worker import WebhookWorker
from county.config import Settings
from county.errors import CountyError
from county.models import Case, WebhookDelivery, WebhookOutbox
from county.services import api_clients, webhooks
from county.services.common import aware
from county.services.pii import new_key
from docs.examples.exchange_client import BadWebhook, verify_webhook, webhook_server
from sync.clock import CHINA_TZ, Clock
from sync.ledger.catalogue import load_catalogue
from sync.ledger.forms import draft_materials_sent
from tests.county.conftest import RunningCounty, start_server
from tests.county.test_exchange import feed, push_all, register
from tests.county.test_sync_e2e import activated, engine_for
from tests.factories import make_case_draft


class StepClock(Clock):
    """The county's clock, moved by the test (no sleeping through backoff delays)."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC) + timedelta(seconds=1)

    def now(self) -> datetime:
        return self.at.astimezone(CHINA_TZ)

    def timestamp(self) -> float:
        return self.at.timestamp()

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class Receiver:
    """A client's webhook endpoint on loopback: verifies each notification as docs/data-api.md shows, answers
    500 to the first ``failures`` of them."""

    def __init__(self, clock: StepClock | None = None, failures: int = 0, pause_s: float = 0.0):
        self.secret, self.clock, self.failures, self.pause_s = "", clock, failures, pause_s
        self.received: list[dict] = []  # verified notifications
        self.answered: list[int] = []
        self.bad: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.pause_s)
                now = receiver.clock.timestamp() if receiver.clock else None
                try:
                    receiver.received.append(verify_webhook(receiver.secret, dict(self.headers), body, now))
                    status = 500 if len(receiver.answered) < receiver.failures else 200
                except BadWebhook as exc:
                    receiver.bad.append(str(exc))
                    status = 401
                receiver.answered.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/suishenban"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kwargs) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def hook(county, client_id: int, receiver: Receiver) -> None:
    with county.session() as session:
        receiver.secret = webhooks.set_url(session, client_id, receiver.url, actor="test", box=county.box)
        session.commit()


def ingest(county, n: int, seed: int = 1, batch: int = 10) -> list[str]:
    """``n`` new cases pushed through the endpoint in batches (one transaction each); their item codes."""
    (device,) = provision(county.engine, 1)
    events = seal_chain(case_drafts(load_catalogue(), random.Random(seed), n), device)
    push_all(county, device, events, batch=batch)
    return [e.body["item_code"] for e in events]


def worker(county, clock, name, **kwargs) -> WebhookWorker:
    return WebhookWorker(county.session, box=county.box, clock=clock, name=name, rng=random.Random(7), **kwargs)


def outbox(county, client_id) -> WebhookOutbox:
    with county.session() as session:
        return session.get(WebhookOutbox, client_id)


def deliveries(county, client_id) -> list[WebhookDelivery]:
    with county.session() as session:
        return session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.client_id == client_id).order_by(WebhookDelivery.id)
        ).all()


def test_a_signed_notification_after_ingest_and_none_outside_the_scope(county, receivers):
    planned = {draft.body["item_code"] for draft in case_drafts(load_catalogue(), random.Random(11), 40)}
    elsewhere = next(item.code for item in load_catalogue().items if item.code not in planned)
    whole, token = register(county, "省一体化平台", "all", [])
    narrow, _t = register(county, "县供电公司系统", "items", [elsewhere])
    to_whole, to_narrow = receivers(), receivers()
    hook(county, whole, to_whole)
    hook(county, narrow, to_narrow)
    assert to_whole.secret.startswith("whsec_") and to_whole.secret != to_narrow.secret

    items = ingest(county, 40, seed=11)  # four pushes: four transactions, one notification
    assert elsewhere not in items  # the narrow client's item: none of these cases
    clock = StepClock()
    assert worker(county, clock, "w1").run_once() == ["sent"]

    (note,) = to_whole.received
    assert not to_whole.bad and to_whole.answered == [200]
    with county.session() as session:
        newest = max(session.scalars(select(Case.change_seq)))
    assert note["type"] == "cases.changed" and note["client_id"] == whole
    assert note["change_seq"] == newest and note["changes"] == 40 and note["since_seq"] == 0
    assert set(note) == {"type", "client_id", "change_seq", "changes", "since_seq", "feed", "attempt", "sent_at"}
    page = feed(county, token, note["since_seq"], limit=100).json()  # told to pull: the cases are in the feed
    assert len(page["items"]) == 40 and page["next_cursor"] == note["change_seq"]

    assert to_narrow.received == [] and outbox(county, narrow).state == "idle"  # a wrong-scope change: silence
    (logged,) = deliveries(county, whole)
    assert (logged.outcome, logged.http_status, logged.change_seq, logged.worker) == ("sent", 200, newest, "w1")
    assert outbox(county, whole).state == "idle" and outbox(county, whole).delivered_seq == newest
    assert worker(county, clock, "w1").run_once() == []  # nothing new, nothing sent

    ingest(county, 10, seed=12)  # soon after: gathered, and told at most every MIN_INTERVAL_S
    assert worker(county, clock, "w1").run_once() == []
    clock.advance(webhooks.MIN_INTERVAL_S + 30)
    assert worker(county, clock, "w1").run_once() == ["sent"]
    assert (to_whole.received[-1]["since_seq"], to_whole.received[-1]["changes"]) == (newest, 10)


def test_the_signature_check_refuses_a_changed_body_a_wrong_secret_and_a_replay():
    secret, body, at = "whsec_test", b'{"type":"cases.changed","change_seq":7}', 1_800_000_000
    headers = webhooks.headers(secret, at, body)
    assert verify_webhook(secret, headers, body, now=at + 10)["change_seq"] == 7
    for args in (
        (secret, headers, body.replace(b"7", b"8"), at),
        ("whsec_other", headers, body, at),
        (secret, headers, body, at + webhooks.REPLAY_WINDOW_S + 1),
        (secret, {**headers, webhooks.SIGNATURE_HEADER: "v0=00"}, body, at),
    ):
        with pytest.raises(BadWebhook):
            verify_webhook(*args)


def test_a_failing_receiver_gets_it_on_the_third_try_after_growing_delays_and_a_restart(county, receivers):
    client_id, _token = register(county, "县市场监管局登记系统", "all", [])
    clock = StepClock()
    receiver = receivers(clock=clock, failures=2)
    hook(county, client_id, receiver)
    ingest(county, 12)
    clock.advance(2)

    first = worker(county, clock, "before-restart")
    assert first.run_once() == ["retry"]
    delay_1 = (aware(outbox(county, client_id).next_attempt_at) - clock.at).total_seconds()
    assert first.run_once() == [] and receiver.answered == [500]  # not due yet: no second try at once

    ingest(county, 5, seed=2)  # more changes while it waits: the same notification, not a second one
    assert outbox(county, client_id).changes == 17 and outbox(county, client_id).attempts == 1
    clock.advance(delay_1)
    restarted = worker(county, clock, "after-restart")  # a new process: all it knows is in the outbox
    assert restarted.run_once() == ["retry"]
    delay_2 = (aware(outbox(county, client_id).next_attempt_at) - clock.at).total_seconds()
    assert webhooks.BASE_DELAY_S / 2 <= delay_1 <= webhooks.BASE_DELAY_S < delay_2 <= 2 * webhooks.BASE_DELAY_S
    clock.advance(delay_2)
    assert restarted.run_once() == ["sent"]

    assert receiver.answered == [500, 500, 200]
    assert [n["attempt"] for n in receiver.received] == [1, 2, 3] and receiver.received[-1]["changes"] == 17
    logged = deliveries(county, client_id)
    assert [(d.outcome, d.attempt, d.error) for d in logged] == [
        ("retry", 1, "HTTP 500"),
        ("retry", 2, "HTTP 500"),
        ("sent", 3, None),
    ]
    assert outbox(county, client_id).state == "idle" and outbox(county, client_id).last_error is None


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_worker_that_died_mid_send_is_replaced_after_its_lease(county, receivers):
    client_id, _token = register(county, "省缴费平台", "all", [])
    clock = StepClock()
    receiver = receivers(clock=clock)
    hook(county, client_id, receiver)
    ingest(county, 10)
    clock.advance(1)
    with county.session() as session:  # claimed, then the process died before sending
        (claim,) = webhooks.claim(session, "died", clock.utcnow(), box=county.box)
        session.commit()
    other = worker(county, clock, "survivor")
    assert other.run_once() == [] and receiver.received == []  # the lease holds
    clock.advance(webhooks.LEASE_S + 1)
    assert other.run_once() == ["sent"] and len(receiver.received) == 1
    with county.session() as session:  # the dead worker's late answer changes nothing
        assert (
            webhooks.finish(
                session, claim, "died", clock.utcnow(), http_status=200, error=None, duration_ms=1, rng=random.Random()
            )
            == "lost"
        )


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_after_the_last_attempt_it_is_marked_failed_and_a_new_change_tries_again(county, receivers):
    client_id, _token = register(county, "县医保局系统", "all", [])
    clock = StepClock()
    receiver = receivers(clock=clock, failures=99)
    hook(county, client_id, receiver)
    ingest(county, 10)
    one = worker(county, clock, "w")
    outcomes = []
    for _ in range(webhooks.MAX_ATTEMPTS):
        clock.advance(webhooks.MAX_DELAY_S)
        outcomes += one.run_once()
    assert outcomes == ["retry"] * (webhooks.MAX_ATTEMPTS - 1) + ["failed"]
    state = outbox(county, client_id)
    assert (state.state, state.attempts, state.last_error) == ("failed", webhooks.MAX_ATTEMPTS, "HTTP 500")
    clock.advance(webhooks.MAX_DELAY_S)
    assert one.run_once() == []  # failed stays failed: no endless retries
    with county.session() as session:
        webhooks.retry_now(session, client_id, actor="test")
        session.commit()
    receiver.failures = 0
    clock.advance(1)
    assert one.run_once() == ["sent"]


def test_two_workers_never_send_the_same_notification_twice(county, receivers):
    clock = StepClock()
    pairs = []
    for n in range(4):
        client_id, _token = register(county, f"部门系统{n}", "all", [])
        receiver = receivers(clock=clock, pause_s=0.05)
        hook(county, client_id, receiver)
        pairs.append((client_id, receiver))
    ingest(county, 10)
    clock.advance(1)
    workers = [worker(county, clock, f"w{n}") for n in range(2)]
    start, outcomes = threading.Barrier(2), []

    def run(one):
        start.wait()
        outcomes.extend(one.run_once())

    threads = [threading.Thread(target=run, args=(one,)) for one in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["sent"] * 4
    for client_id, receiver in pairs:
        assert len(receiver.received) == 1 and len(deliveries(county, client_id)) == 1


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_only_https_or_loopback_urls_are_taken(county):
    client_id, _token = register(county, "县人社局系统", "all", [])
    for bad in ("http://dept.example/hook", "ftp://dept.example/", "https://user:pw@dept.example/", "https://", ""):
        with county.session() as session, pytest.raises(CountyError):
            webhooks.set_url(session, client_id, bad, actor="test", box=county.box)
    with county.session() as session:
        secret = webhooks.set_url(session, client_id, "https://dept.example/hook", actor="test", box=county.box)
        again = webhooks.set_url(session, client_id, "http://127.0.0.1:9000/hook", actor="test", box=county.box)
        assert again is None
        assert secret.startswith("whsec_")  # the secret stays when only the URL changes


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_revoked_client_is_not_notified_of_what_was_waiting(county, receivers):
    client_id, _token = register(county, "县农业农村局系统", "all", [])
    receiver = receivers()
    hook(county, client_id, receiver)
    ingest(county, 10)
    assert outbox(county, client_id).state == "pending"
    with county.session() as session:
        api_clients.revoke(session, client_id, actor="test")
        session.commit()
    clock = StepClock()
    assert worker(county, clock, "w").run_once() == [] and receiver.answered == []
    assert outbox(county, client_id).state == "idle"


def test_two_running_workers_during_ingest_send_each_change_once_in_order(county, receivers):
    """Two workers loop (as two serving processes would) while a counter pushes six batches: each receiver
    hears of every change, in order, and no notification twice."""
    pairs = []
    for n in range(3):
        client_id, _token = register(county, f"市级平台{n}", "all", [])
        receiver = receivers(pause_s=0.02)
        hook(county, client_id, receiver)
        pairs.append((client_id, receiver))
    stop = threading.Event()
    loops = [
        threading.Thread(target=WebhookWorker(county.session, box=county.box, name=f"loop{n}").run, args=(stop, 0.02))
        for n in range(2)
    ]
    for loop in loops:
        loop.start()
    try:
        ingest(county, 60, seed=5)
        deadline = time.monotonic() + 20
        while any(outbox(county, c).state != "idle" for c, _r in pairs) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for loop in loops:
            loop.join()
    with county.session() as session:
        newest = max(session.scalars(select(Case.change_seq)))
    for client_id, receiver in pairs:
        seqs = [note["change_seq"] for note in receiver.received]
        assert seqs == sorted(set(seqs)) and seqs[-1] == newest, seqs  # never the same notification twice
        assert sum(note["changes"] for note in receiver.received) == 60
        assert [d.change_seq for d in deliveries(county, client_id)] == seqs


def test_the_reference_clients_listener_takes_a_signed_notification_and_refuses_a_forged_one():
    heard: list[dict] = []
    server = webhook_server("whsec_ref", "127.0.0.1", 0, heard.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        body = b'{"type":"cases.changed","change_seq":42,"changes":3}'
        now = int(time.time())
        good = requests.post(url, data=body, headers=webhooks.headers("whsec_ref", now, body), timeout=5)
        forged = requests.post(url, data=body, headers=webhooks.headers("whsec_guess", now, body), timeout=5)
        assert (good.status_code, forged.status_code) == (204, 401)
        assert [note["change_seq"] for note in heard] == [42]
    finally:
        server.shutdown()
        server.server_close()


def test_a_serving_process_sends_notifications_by_itself(county_engine, receivers):
    """As `suishenban-county serve` starts it: the app's own worker thread, its sessions, the real clock."""
    settings = Settings(database_url="(fixture)", pii_key=new_key())
    app = create_app(settings, county_engine)
    server, thread, port = start_server(app)
    county = RunningCounty(f"http://127.0.0.1:{port}", county_engine, settings)
    stop = start_webhook_worker(app)
    try:
        client_id, _token = register(county, "省政务数据平台", "all", [])
        receiver = receivers()
        hook(county, client_id, receiver)
        ingest(county, 20)
        deadline = time.monotonic() + 15
        while sum(note["changes"] for note in receiver.received) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sum(note["changes"] for note in receiver.received) == 20 and not receiver.bad
    finally:
        stop.set()
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_status_sent_back_by_a_department_notifies_the_other_clients(county, receivers, tmp_path, catalogue):
    store, _setup = activated(county, tmp_path)
    try:
        item = catalogue.by_code("FL015")  # an approval: 受理 is allowed once the materials went to the department
        (licence,) = store.append(
            make_case_draft(
                catalogue, item_code="FL015", amount=None, materials={m.code: "received" for m in item.guide.materials}
            )
        )
        store.append(draft_materials_sent(licence.body["case_id"]))
        assert engine_for(store).run().ok
    finally:
        store.close()
    province, _token = register(county, "省一体化平台", "all", [])
    _dept, dept_token = register(county, "县市场监管局登记系统", "units", ["scjg"], write_statuses=True)
    receiver = receivers()
    hook(county, province, receiver)
    with county.session() as session:
        seq = session.scalar(select(Case.change_seq).where(Case.case_id == licence.body["case_id"]))
    answer = requests.post(
        f"{county.base_url}/api/v1/exchange/statuses",
        json={"statuses": [{"client_ref": "D-1", "case_id": licence.body["case_id"], "status": "accepted"}]},
        headers={"Authorization": f"Bearer {dept_token}"},
        timeout=30,
    )
    assert answer.json()["results"][0]["outcome"] == "accepted"
    assert worker(county, StepClock(), "w").run_once() == ["sent"]
    (note,) = receiver.received
    assert note["changes"] == 1 and note["change_seq"] > seq
