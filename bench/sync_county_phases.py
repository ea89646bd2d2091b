"""Sync benchmark phase at the county: ingest rate, at the service level and over HTTP, with a profiled run."""

from __future__ import annotations

import cProfile
import random
import statistics
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from bench.sync_county import CountyServer, county_db, ledger_counts, provision
from bench.sync_load import backlog_drafts, push_bodies, seal_chain
from bench.sync_net import inflate_body
from bench.sync_profile import layers, top_costs
from bench.timing import busy_share, cpu_ticks
from county.api.body import parse_model
from county.db import session_factory
from county.services import ingest
from county.services.auth import authenticate
from county.services.pii import PiiBox, new_key
from sync.body_codec import DICT_ENCODING
from sync.ledger.catalogue import Catalogue, load_catalogue
from sync.ledger.events import EventDraft
from sync.ledger.forms import FormErrors, check_event
from sync.ledger.kinds import EventType
from sync.wire import PushRequest, wire_to_event

INGEST_BATCH = 500
HTTP_TIMEOUT = (10, 300)
MAX_ATTEMPTS = 50  # per request, when the endpoint answers 503


def slot_drafts(catalogue: Catalogue, seed: int, slots: int, events: int) -> list[list[EventDraft]]:
    """Each device slot's unsealed history; a fresh database per run lets the same drafts be sealed again."""
    return [backlog_drafts(catalogue, random.Random(seed * 1000 + i), events) for i in range(slots)]


def _service_ingest(engine, devices, bodies: list[list[bytes]], profiler: cProfile.Profile | None) -> dict[str, float]:
    """county.services.ingest.push called directly, one batch after another (as the route does, minus HTTP)."""
    sessions = session_factory(engine)
    box = PiiBox(new_key())  # personal fields sealed as the endpoint seals them
    parse = push = 0.0
    events, messages = 0, []
    if profiler:
        profiler.enable()
    cpu0 = time.process_time()  # this process only: robust to other load on the machine, unlike wall time
    for device, device_bodies in zip(devices, bodies, strict=True):
        for body in device_bodies:
            t0 = time.perf_counter()
            message = parse_model(PushRequest, inflate_body(body))
            t1 = time.perf_counter()
            messages.append(message)
            with sessions() as session:
                dev, point = authenticate(session, f"Device {device.token}", lock=True)
                result = ingest.push(session, dev, point, message, max_events=INGEST_BATCH, box=box)
            t2 = time.perf_counter()
            result.model_dump_json()  # the answer FastAPI would serialise
            parse += (t1 - t0) + (time.perf_counter() - t2)
            push += t2 - t1
            events += len(message.events)
            if any(r.status != "accepted" for r in result.results):
                raise RuntimeError("service ingest: an event was not accepted")
    cpu = time.process_time() - cpu0
    if profiler:
        profiler.disable()
    floor = _rules_floor(messages)
    return {
        "events": events,
        "push_s": push,
        "parse_s": parse,
        "events_per_s": events / push,
        "cpu_s": cpu,
        "cpu_ms_per_1000": cpu * 1e6 / events,
        "with_parse_events_per_s": events / (push + parse),
        "rules_floor_s": floor,
        "rules_floor_events_per_s": events / floor,
    }


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
    """One client thread per device posting its pre-built bodies in order; wall time from a common start."""
    statuses: Counter = Counter()
    lock, gate = threading.Lock(), threading.Barrier(len(devices) + 1)

    def run(device, device_bodies: list[bytes]) -> None:
        headers = {
            "Authorization": f"Device {device.token}",
            "Content-Type": "application/json",
            "Content-Encoding": DICT_ENCODING,
        }
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
    by0, client0, ticks0, start = server.cpu_by_process(), time.process_time(), cpu_ticks(), time.perf_counter()
    for thread in threads:
        thread.join(timeout=1800)
    wall, by1 = time.perf_counter() - start, server.cpu_by_process()
    spent = sorted((by1[pid] - by0.get(pid, 0.0) for pid in by1), reverse=True)
    client = time.process_time() - client0  # the posting threads: CPU taken from the same 2 cores
    return {
        "wall_s": wall,
        "server_cpu_s": sum(spent),
        "client_cpu_s": client,
        "server_cpu_by_process_s": spent,  # busiest first: keep-alive connections stay with one process
        "machine_busy_share": busy_share(ticks0, cpu_ticks()),
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def _ingest_run(
    workdir: Path, kind: str, drafts, devices_n: int, processes: int, profile_dir: Path | None = None
) -> dict[str, Any]:
    with county_db(kind, workdir) as (url, schema, engine):
        devices = provision(engine, 2 * devices_n)
        chains = [seal_chain(d, dev) for d, dev in zip(drafts, devices, strict=True)]
        bodies = [push_bodies(dev.device_id, chain, INGEST_BATCH) for dev, chain in zip(devices, chains, strict=True)]
        profiler = cProfile.Profile() if profile_dir else None
        service = _service_ingest(engine, devices[:devices_n], bodies[:devices_n], profiler)
        if profiler:
            profiler.dump_stats(profile_dir / f"ingest-service-{kind}.prof")
        server_profile = profile_dir / f"ingest-http-{kind}.prof" if profile_dir else None
        with CountyServer(url, schema, profile=server_profile, workers=processes) as server:
            http = _http_ingest(server, devices[devices_n:], bodies[devices_n:])
        http["events"] = sum(len(c) for c in chains[devices_n:])
        http["events_per_s"] = http["events"] / http["wall_s"]
        http["server_cpu_ms_per_1000"] = http["server_cpu_s"] * 1e6 / http["events"]
        http["client_cpu_ms_per_1000"] = http["client_cpu_s"] * 1e6 / http["events"]
        # Derived, not measured: what 2 cores doing nothing but the endpoint would take at this CPU per event.
        http["implied_2_core_events_per_s"] = 2 * http["events"] / http["server_cpu_s"]
        counts = ledger_counts(engine)
    if counts["rows"] != counts["distinct_ids"] or counts["rows"] != sum(len(c) for c in chains):
        raise RuntimeError(f"ingest left the county with {counts}")
    return {"service": service, "http": http}


def _percent(share: float | None) -> str:
    return "?" if share is None else f"{share:.0%}"


def _split(seconds: list[float]) -> str:
    total = sum(seconds) or 1.0
    return "/".join(f"{s / total:.0%}" for s in seconds if s / total >= 0.005)


def _median_known(values) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def ingest_phase(workdir: Path, catalogue: Catalogue, args: Any, kind: str, profile_dir: Path | None) -> dict[str, Any]:
    """Fresh database per run: service-level ingest on some devices, then HTTP ingest on others.

    With ``profile_dir``, one more run under cProfile (bench process and server process) writes .prof files;
    its rates are kept apart and not counted.
    """
    devices_n, per_device = args.ingest_devices, args.ingest_events
    drafts = slot_drafts(catalogue, args.seed, 2 * devices_n, per_device)
    runs = []
    for r in range(args.repeat):
        runs.append(_ingest_run(workdir, kind, drafts, devices_n, args.server_processes))
        service, http = runs[-1]["service"], runs[-1]["http"]
        print(
            f"  {kind} ingest run {r + 1}: service {service['events_per_s']:,.0f} ev/s "
            f"({service['cpu_ms_per_1000']:.0f} ms CPU per 1,000), HTTP {http['events_per_s']:,.0f} ev/s "
            f"(server {http['server_cpu_ms_per_1000']:.0f} ms CPU per 1,000, clients "
            f"{http['client_cpu_ms_per_1000']:.0f}; machine {_percent(http['machine_busy_share'])} busy; "
            f"endpoint processes' CPU {_split(http['server_cpu_by_process_s'])})",
            flush=True,
        )
    out = {
        "devices": devices_n,
        "events_per_device": per_device,
        "batch": INGEST_BATCH,
        "runs": runs,
        "median": {
            "service_events_per_s": statistics.median(r["service"]["events_per_s"] for r in runs),
            "service_with_parse_events_per_s": statistics.median(r["service"]["with_parse_events_per_s"] for r in runs),
            "rules_floor_events_per_s": statistics.median(r["service"]["rules_floor_events_per_s"] for r in runs),
            "http_events_per_s": statistics.median(r["http"]["events_per_s"] for r in runs),
            "http_server_cpu_ms_per_1000": statistics.median(r["http"]["server_cpu_ms_per_1000"] for r in runs),
            "http_client_cpu_ms_per_1000": statistics.median(r["http"]["client_cpu_ms_per_1000"] for r in runs),
            "implied_2_core_events_per_s": statistics.median(r["http"]["implied_2_core_events_per_s"] for r in runs),
            "service_cpu_ms_per_1000": statistics.median(r["service"]["cpu_ms_per_1000"] for r in runs),
            "http_machine_busy_share": _median_known(r["http"]["machine_busy_share"] for r in runs),
        },
    }
    if profile_dir:
        out["profiled_run"] = _ingest_run(workdir, kind, drafts, devices_n, args.server_processes, profile_dir)
        out["profile"] = {
            name: {
                "top": top_costs(profile_dir / f"ingest-{name}-{kind}.prof"),
                "layers": layers(profile_dir / f"ingest-{name}-{kind}.prof"),
            }
            for name in ("service", "http")
        }
    return out
