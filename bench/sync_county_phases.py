"""Sync benchmark phases at the county: ingest rate (service and HTTP) and many devices reconnecting at once."""

from __future__ import annotations

import cProfile
import gzip
import heapq
import pstats
import random
import statistics
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from county.api.body import parse_model
from county.db import session_factory
from county.services import ingest
from county.services.auth import authenticate
from sync.client import SyncClient
from sync.engine import Backoff, SyncEngine
from sync.ledger.catalogue import Catalogue, load_catalogue
from sync.ledger.events import EventDraft
from sync.ledger.forms import FormErrors, check_event
from sync.ledger.kinds import EventType
from sync.wire import PushRequest, wire_to_event

from bench.sync_county import CountyServer, county_db, ledger_counts, provision
from bench.sync_load import APP_VERSION, MemoryPort, backlog_drafts, push_bodies, seal_chain

INGEST_BATCH = 500
HTTP_TIMEOUT = (10, 300)
MAX_ATTEMPTS = 50  # per request (ingest) or per device run (storm)


def slot_drafts(catalogue: Catalogue, seed: int, slots: int, events: int) -> list[list[EventDraft]]:
    """Each device slot's unsealed history; a fresh database per run lets the same drafts be sealed again."""
    return [backlog_drafts(catalogue, random.Random(seed * 1000 + i), events) for i in range(slots)]


def _service_ingest(engine, devices, bodies: list[list[bytes]], profiler: cProfile.Profile | None) -> dict[str, float]:
    """county.services.ingest.push called directly, one batch after another (as the route does, minus HTTP)."""
    sessions = session_factory(engine)
    parse = push = 0.0
    events, messages = 0, []
    if profiler:
        profiler.enable()
    for device, device_bodies in zip(devices, bodies, strict=True):
        for body in device_bodies:
            t0 = time.perf_counter()
            message = parse_model(PushRequest, gzip.decompress(body))
            t1 = time.perf_counter()
            messages.append(message)
            with sessions() as session:
                dev, point = authenticate(session, f"Device {device.token}", lock=True)
                result = ingest.push(session, dev, point, message, max_events=INGEST_BATCH)
            t2 = time.perf_counter()
            result.model_dump_json()  # the answer FastAPI would serialise
            parse += (t1 - t0) + (time.perf_counter() - t2)
            push += t2 - t1
            events += len(message.events)
            if any(r.status != "accepted" for r in result.results):
                raise RuntimeError("service ingest: an event was not accepted")
    if profiler:
        profiler.disable()
    floor = _rules_floor(messages)
    return {"events": events, "push_s": push, "parse_s": parse, "events_per_s": events / push,
            "with_parse_events_per_s": events / (push + parse), "rules_floor_s": floor,
            "rules_floor_events_per_s": events / floor}


def _rules_floor(messages: list[PushRequest]) -> float:
    """Seconds to only rebuild each event's hash and re-check it with the shared rules: no database at all."""
    start = time.perf_counter()
    for message in messages:
        prev = message.prev_hash
        for offset, wire in enumerate(message.events):
            event = wire_to_event(wire, device_id=message.device_id, seq=message.from_seq + offset, prev_hash=prev)
            version = event.body.get("catalogue_version") if event.type is EventType.CASE_RECORDED else None
            try:
                check_event(event.type, event.body, event.pii or {}, load_catalogue(version))
            except FormErrors:
                pass  # follow-up events checked without their case's item: the cost is what matters here
            prev = event.hash
    return time.perf_counter() - start


def _http_ingest(server: CountyServer, devices, bodies: list[list[bytes]]) -> dict[str, Any]:
    """One client thread per device posting its pre-built gzip bodies in order; wall time from a common start."""
    statuses: Counter = Counter()
    lock, gate = threading.Lock(), threading.Barrier(len(devices) + 1)

    def run(device, device_bodies: list[bytes]) -> None:
        headers = {"Authorization": f"Device {device.token}", "Content-Type": "application/json",
                   "Content-Encoding": "gzip", "Accept": "application/json"}
        with requests.Session() as http:
            gate.wait(timeout=60)
            for body in device_bodies:
                for _attempt in range(MAX_ATTEMPTS):
                    response = http.post(server.url + "/api/v1/push", data=body, headers=headers, timeout=HTTP_TIMEOUT)
                    with lock:
                        statuses[response.status_code] += 1
                    if response.status_code == 200:
                        break
                    time.sleep(float(response.headers.get("Retry-After", "1")))

    threads = [threading.Thread(target=run, args=pair, daemon=True) for pair in zip(devices, bodies, strict=True)]
    for thread in threads:
        thread.start()
    gate.wait(timeout=60)
    cpu0, start = server.cpu_seconds(), time.perf_counter()
    for thread in threads:
        thread.join(timeout=1800)
    wall, cpu = time.perf_counter() - start, server.cpu_seconds() - cpu0
    return {"wall_s": wall, "server_cpu_s": cpu, "statuses": {str(k): v for k, v in statuses.items()}}


def _ingest_run(workdir: Path, kind: str, drafts, devices_n: int, profile_dir: Path | None = None) -> dict[str, Any]:
    with county_db(kind, workdir) as (url, schema, engine):
        devices = provision(engine, 2 * devices_n)
        chains = [seal_chain(d, dev) for d, dev in zip(drafts, devices, strict=True)]
        bodies = [push_bodies(dev.device_id, chain, INGEST_BATCH) for dev, chain in zip(devices, chains, strict=True)]
        profiler = cProfile.Profile() if profile_dir else None
        service = _service_ingest(engine, devices[:devices_n], bodies[:devices_n], profiler)
        if profiler:
            profiler.dump_stats(profile_dir / f"ingest-service-{kind}.prof")
        server_profile = profile_dir / f"ingest-http-{kind}.prof" if profile_dir else None
        with CountyServer(url, schema, profile=server_profile) as server:
            http = _http_ingest(server, devices[devices_n:], bodies[devices_n:])
        http["events"] = sum(len(c) for c in chains[devices_n:])
        http["events_per_s"] = http["events"] / http["wall_s"]
        http["server_cpu_ms_per_1000"] = http["server_cpu_s"] * 1e6 / http["events"]
        counts = ledger_counts(engine)
    if counts["rows"] != counts["distinct_ids"] or counts["rows"] != sum(len(c) for c in chains):
        raise RuntimeError(f"ingest left the county with {counts}")
    return {"service": service, "http": http}


def ingest_phase(workdir: Path, catalogue: Catalogue, args: Any, kind: str, profile_dir: Path | None) -> dict[str, Any]:
    """Fresh database per run: service-level ingest on some devices, then HTTP ingest on others.

    With ``profile_dir``, one more run under cProfile (bench process and server process) writes .prof files;
    its rates are kept apart and not counted.
    """
    devices_n, per_device = args.ingest_devices, args.ingest_events
    drafts = slot_drafts(catalogue, args.seed, 2 * devices_n, per_device)
    runs = []
    for r in range(args.repeat):
        runs.append(_ingest_run(workdir, kind, drafts, devices_n))
        print(f"  {kind} ingest run {r + 1}: service {runs[-1]['service']['events_per_s']:,.0f} ev/s, "
              f"HTTP {runs[-1]['http']['events_per_s']:,.0f} ev/s", flush=True)
    out = {"devices": devices_n, "events_per_device": per_device, "batch": INGEST_BATCH, "runs": runs,
           "median": {"service_events_per_s": statistics.median(r["service"]["events_per_s"] for r in runs),
                      "service_with_parse_events_per_s": statistics.median(
                          r["service"]["with_parse_events_per_s"] for r in runs),
                      "rules_floor_events_per_s": statistics.median(
                          r["service"]["rules_floor_events_per_s"] for r in runs),
                      "http_events_per_s": statistics.median(r["http"]["events_per_s"] for r in runs),
                      "http_server_cpu_ms_per_1000": statistics.median(
                          r["http"]["server_cpu_ms_per_1000"] for r in runs)}}
    if profile_dir:
        out["profiled_run"] = _ingest_run(workdir, kind, drafts, devices_n, profile_dir)
        out["profile"] = {name: {"top": top_costs(profile_dir / f"ingest-{name}-{kind}.prof"),
                                 "layers": layers(profile_dir / f"ingest-{name}-{kind}.prof")}
                          for name in ("service", "http")}
    return out


class _Storm:
    """Devices as schedulable jobs: a worker takes the device whose next attempt is due, runs one sync."""

    def __init__(self, url: str, devices, chains, *, seed: int, deadline_s: float):
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.missing_retry_after = 0
        self.lock = threading.Condition()
        self.ports = [MemoryPort(dev.device_id, chain) for dev, chain in zip(devices, chains, strict=True)]
        self.sessions = [requests.Session() for _ in devices]
        for session in self.sessions:
            session.hooks["response"].append(self._seen)
        self.engines = [SyncEngine(SyncClient(url, dev.token, session=s), port, app_version=APP_VERSION)
                        for dev, s, port in zip(devices, self.sessions, self.ports, strict=True)]
        self.backoffs = [Backoff(rng=random.Random(seed + i).random) for i in range(len(devices))]
        self.attempts = [0] * len(devices)
        self.done_at: dict[int, float] = {}
        self.failed: dict[int, str] = {}
        self.queue = [(0.0, i) for i in range(len(devices))]
        self.deadline_s = deadline_s

    def _seen(self, response: requests.Response, *_args, **_kwargs) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code in (429, 503) and not response.headers.get("Retry-After", "").isdigit():
                self.missing_retry_after += 1

    def _next(self, start: float) -> int | None:
        with self.lock:
            while True:
                now = time.monotonic() - start
                if not self.queue or now > self.deadline_s:
                    return None
                due, index = self.queue[0]
                if due <= now:
                    heapq.heappop(self.queue)
                    return index
                self.lock.wait(min(due - now, 0.5))

    def worker(self, start: float) -> None:
        while (index := self._next(start)) is not None:
            report = self.engines[index].run()
            self.attempts[index] += 1
            with self.lock:
                if report.error is not None:
                    cause = report.error.__cause__
                    detail = f" ({str(cause)[-90:]})" if cause is not None else ""
                    self.errors[(report.error.code or type(report.error).__name__) + detail] += 1
                if report.ok and self.ports[index].pending_count() == 0:
                    self.done_at[index] = time.monotonic() - start
                elif report.locked or self.attempts[index] >= MAX_ATTEMPTS or (
                        report.error is not None and type(report.error).__name__ in ("Conflict", "Refused")):
                    self.failed[index] = report.error.code if report.error else "stuck"
                else:
                    delay = self.backoffs[index].next_delay(report.error.retry_after if report.error else None)
                    heapq.heappush(self.queue, (time.monotonic() - start + delay, index))
                self.lock.notify_all()


def _drain(url: str, devices, chains, *, workers: int, seed: int, deadline_s: float) -> dict[str, Any]:
    storm = _Storm(url, devices, chains, seed=seed, deadline_s=deadline_s)
    start = time.monotonic()
    threads = [threading.Thread(target=storm.worker, args=(start,), daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline_s + 360)
    for session in storm.sessions:
        session.close()
    done = sorted(storm.done_at.values())
    return {"drain_s": done[-1] if len(done) == len(devices) else None, "devices_done": len(done),
            "device_done_p50_s": statistics.median(done) if done else None, "failed": storm.failed,
            "statuses": {str(k): v for k, v in sorted(storm.statuses.items())}, "client_errors": dict(storm.errors),
            "missing_retry_after": storm.missing_retry_after, "runs": sum(storm.attempts),
            "events": sum(len(c) for c in chains)}


def storm_phase(workdir: Path, catalogue: Catalogue, args: Any, kind: str) -> dict[str, Any]:
    """For each device count, a fresh database, that many enrolled devices with a backlog each, all at once."""
    largest = max(args.storm_devices)
    drafts = slot_drafts(catalogue, args.seed + 7, largest, args.storm_events)
    out: dict[str, Any] = {"events_per_device": args.storm_events, "workers": args.workers, "sizes": {}}
    for n in args.storm_devices:
        with county_db(kind, workdir) as (url, schema, engine):
            devices = provision(engine, n)
            chains = [seal_chain(d, dev) for d, dev in zip(drafts[:n], devices, strict=True)]
            with CountyServer(url, schema) as server:
                cpu0 = server.cpu_seconds()
                result = _drain(server.url, devices, chains, workers=args.workers, seed=args.seed,
                                deadline_s=args.storm_deadline)
                result["server_cpu_s"] = server.cpu_seconds() - cpu0
            result["county"] = ledger_counts(engine)
        if result["drain_s"]:
            result["events_per_s"] = result["events"] / result["drain_s"]
        out["sizes"][str(n)] = result
        print(f"  {kind} storm {n} devices: drain {result['drain_s']} s, statuses {result['statuses']}", flush=True)
    return out


def top_costs(path: Path, limit: int = 15) -> list[dict[str, Any]]:
    """The functions with the most own time in a saved profile (waits excluded)."""
    busy = list(_busy(pstats.Stats(str(path))))
    total = sum(v[2] for _k, v in busy)
    rows = sorted(busy, key=lambda kv: kv[1][2], reverse=True)[:limit]
    return [{"function": f"{Path(file).name}:{line} {func}", "own_share": own / total, "own_s": own, "cum_s": cum,
             "calls": calls} for (file, line, func), (_cc, calls, own, cum, _callers) in rows]


# Own-time buckets, matched in order against (file, function) of each profiled function.
LAYERS = (
    ("HTTP stack (uvicorn, h11, starlette, fastapi, anyio, asyncio)",
     lambda f, fn: any(p in f for p in ("/uvicorn/", "/h11/", "/starlette/", "/fastapi/", "/anyio/", "asyncio"))),
    ("pydantic (wire models: validate, serialise)", lambda f, fn: "pydantic" in f),
    ("JSON decode incl. duplicate-key hook (county/api/body.py, json)",
     lambda f, fn: "/json/" in f or "county/api/body.py" in f or "json" in fn.lower() and "built-in" in fn),
    ("shared rules: forms, validation, ids (sync/ledger)",
     lambda f, fn: "/sync/ledger/" in f and not any(p in f for p in ("chain.py", "canonical.py", "events.py"))),
    ("chain: canonical JSON, SHA-256, HMAC digests (sync/ledger, hashlib, hmac)",
     lambda f, fn: any(p in f for p in ("chain.py", "canonical.py", "events.py", "/hmac.py", "/sync/wire.py"))
     or "_hashlib" in fn or "sha256" in fn),
    ("county services (ingest, cases, auth)", lambda f, fn: "/county/" in f),
    ("SQLAlchemy (ORM, Core, compile, result)", lambda f, fn: "sqlalchemy" in f),
    ("database driver (sqlite3 / psycopg) incl. commit", lambda f, fn: "sqlite3" in fn or "sqlite3" in f
     or "psycopg" in f or "psycopg" in fn),
    ("gzip / zlib", lambda f, fn: "zlib" in fn or "/gzip.py" in f),
    ("other (stdlib, threads, ...)", lambda f, fn: True),
)


IDLE = ("select.epoll", "_thread.lock", "time.sleep", "_thread.RLock", "'wait'")  # waiting, not working


def _busy(stats: pstats.Stats):
    for (file, line, func), value in stats.stats.items():  # type: ignore[attr-defined]
        if not any(mark in func for mark in IDLE):
            yield (file, line, func), value


def layers(path: Path) -> dict[str, float]:
    """Own time per layer, as a share of the total busy own time (waits excluded) in a saved profile."""
    spent: dict[str, float] = {name: 0.0 for name, _ in LAYERS}
    for (file, _line, func), (_cc, _nc, own, _cum, _callers) in _busy(pstats.Stats(str(path))):
        for name, match in LAYERS:
            if match(file, func):
                spent[name] += own
                break
    total = sum(spent.values()) or 1.0
    return {name: value / total for name, value in spent.items()}
