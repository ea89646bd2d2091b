"""Sync benchmark phase: many devices reconnecting at once, each with a backlog, against one county endpoint."""

from __future__ import annotations

import heapq
import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from bench.sync_county import CountyServer, county_db, ledger_counts, provision
from bench.sync_county_phases import slot_drafts
from bench.sync_load import APP_VERSION, MemoryPort, seal_chain
from sync.client import SyncClient
from sync.engine import Backoff, SyncEngine
from sync.ledger.catalogue import Catalogue

MAX_RUNS = 50  # sync runs per device before it counts as stuck


class _Storm:
    """Devices as schedulable jobs: a worker takes the device whose next attempt is due, runs one sync."""

    def __init__(self, url: str, devices, chains, *, seed: int, deadline_s: float):
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.latency: dict[str, list[float]] = {"push": [], "pull": []}
        self.missing_retry_after = 0
        self.lock = threading.Condition()
        self.ports = [MemoryPort(dev.device_id, chain) for dev, chain in zip(devices, chains, strict=True)]
        self.sessions = [requests.Session() for _ in devices]
        for session in self.sessions:
            session.hooks["response"].append(self._seen)
        self.engines = [
            SyncEngine(SyncClient(url, dev.token, session=s), port, app_version=APP_VERSION)
            for dev, s, port in zip(devices, self.sessions, self.ports, strict=True)
        ]
        self.backoffs = [Backoff(rng=random.Random(seed + i).random) for i in range(len(devices))]
        self.attempts = [0] * len(devices)
        self.done_at: dict[int, float] = {}
        self.failed: dict[int, str] = {}
        self.queue = [(0.0, i) for i in range(len(devices))]
        self.deadline_s = deadline_s

    def _seen(self, response: requests.Response, *_args, **_kwargs) -> None:
        path = "push" if "/push" in response.request.path_url else "pull"
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code == 200:
                self.latency[path].append(response.elapsed.total_seconds())
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
                elif (
                    report.locked
                    or self.attempts[index] >= MAX_RUNS
                    or (report.error is not None and type(report.error).__name__ in ("Conflict", "Refused"))
                ):
                    self.failed[index] = report.error.code if report.error else "stuck"
                else:
                    delay = self.backoffs[index].next_delay(report.error.retry_after if report.error else None)
                    heapq.heappush(self.queue, (time.monotonic() - start + delay, index))
                self.lock.notify_all()


def _quantile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None


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
    latency = {
        f"{path}_200_s": {"p50": _quantile(values, 0.5), "p95": _quantile(values, 0.95), "max": max(values)}
        for path, values in storm.latency.items()
        if values
    }
    return {
        "drain_s": done[-1] if len(done) == len(devices) else None,
        "devices_done": len(done),
        "device_done_p50_s": _quantile(done, 0.5),
        "device_done_p95_s": _quantile(done, 0.95),
        "max_runs_per_device": max(storm.attempts),
        "latency": latency,
        "failed": storm.failed,
        "statuses": {str(k): v for k, v in sorted(storm.statuses.items())},
        "client_errors": dict(storm.errors),
        "missing_retry_after": storm.missing_retry_after,
        "runs": sum(storm.attempts),
        "events": sum(len(c) for c in chains),
    }


def _storm_run(workdir: Path, kind: str, drafts, n: int, args: Any, seed: int) -> dict[str, Any]:
    with county_db(kind, workdir) as (url, schema, engine):
        devices = provision(engine, n)
        chains = [seal_chain(d, dev) for d, dev in zip(drafts[:n], devices, strict=True)]
        with CountyServer(url, schema, keep_alive=args.keep_alive, workers=args.server_processes) as server:
            cpu0 = server.cpu_seconds()
            result = _drain(
                server.url, devices, chains, workers=args.workers, seed=seed, deadline_s=args.storm_deadline
            )
            result["server_cpu_s"] = server.cpu_seconds() - cpu0
        result["county"] = ledger_counts(engine)
    if result["drain_s"]:
        result["events_per_s"] = result["events"] / result["drain_s"]
    return result


def storm_phase(workdir: Path, catalogue: Catalogue, args: Any, kind: str) -> dict[str, Any]:
    """For each device count, ``storm_repeat`` times: a fresh database, that many enrolled devices with a
    backlog each, all due at once. Per size the run with the median drain time is kept whole."""
    largest = max(args.storm_devices)
    drafts = slot_drafts(catalogue, args.seed + 7, largest, args.storm_events)
    out: dict[str, Any] = {"events_per_device": args.storm_events, "workers": args.workers, "sizes": {}}
    for n in args.storm_devices:
        runs = []
        for r in range(args.storm_repeat):
            runs.append(_storm_run(workdir, kind, drafts, n, args, args.seed + r))
            print(
                f"  {kind} storm {n} devices, run {r + 1}: drain {runs[-1]['drain_s']} s, "
                f"statuses {runs[-1]['statuses']}",
                flush=True,
            )
        finished = sorted((run for run in runs if run["drain_s"]), key=lambda run: run["drain_s"])
        unfinished = [run for run in runs if not run["drain_s"]]
        median = unfinished[0] if unfinished else finished[(len(finished) - 1) // 2]
        out["sizes"][str(n)] = {
            **median,
            "drain_runs_s": [run["drain_s"] for run in runs],
            "other_runs": [run for run in runs if run is not median],
        }
    return out
