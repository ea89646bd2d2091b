"""Sync benchmark phases on the wire: bytes and round trips per case event, and 1,000 events over a 2G link."""

from __future__ import annotations

import random
import secrets
import statistics
import time
from pathlib import Path
from typing import Any

from bench.sync_county import CountyServer, county_db, ledger_counts, new_points
from bench.sync_load import APP_VERSION, bare_payload, case_drafts, wire_breakdown
from bench.sync_net import LinkProxy
from bench.sync_openrosa import OpenRosaSink, upload
from desktop.services.activation import activate, sync_client_for
from desktop.store.ledger import LedgerStore
from desktop.store.sync_port import StoreSyncPort
from sync.client import SyncClient
from sync.engine import BATCH, Backoff, SyncEngine
from sync.ledger.catalogue import Catalogue

PASSWORD = "fuliang2026"
LINK = {"rate": 32_000 / 8, "rtt": 1.3, "drop_rate": 0.05}  # 32 kbit/s each way, 1.3 s round trip, 5% dropped
LINK_MAX_RUNS = 200
STRESS_BATCH = 50
STRESS_PAUSE_S = 1.0
LINK_DEADLINE_S = 600.0


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def recorded_store(server_url: str, engine, folder: Path, catalogue: Catalogue, n: int, seed: int) -> LedgerStore:
    """A point enrolled over HTTP (real Argon2id cost) whose encrypted store holds ``n`` recorded cases."""
    (code,) = new_points(engine, 1)
    store = activate(server_url, code, folder, PASSWORD).store
    drafts = case_drafts(catalogue, random.Random(seed), n)
    for start in range(0, n, 50):
        store.append(*drafts[start : start + 50])
    return store


def _one_wire_run(
    server: CountyServer, engine, workdir: Path, catalogue: Catalogue, n: int, batch: int, seed: int, openrosa: bool
) -> dict[str, float]:
    store = recorded_store(server.url, engine, workdir / f"wire-{seed}-{batch}", catalogue, n, seed)
    try:
        events = list(store.events())
        token = sync_client_for(store).device_token
        with LinkProxy(server.url) as proxy:
            report = SyncEngine(
                SyncClient(proxy.url, token), StoreSyncPort(store), app_version=APP_VERSION, batch=batch
            ).run()
        if not report.ok or store.outbox_counts() != {"acked": n}:
            raise RuntimeError(f"wire run did not finish cleanly: {report.error}, {store.outbox_counts()}")
        push, every = proxy.totals("/api/v1/push"), proxy.totals()
        run = {
            "push_up_per_event": push["up"] / n,
            "push_body_per_event": (push["up"] - push["up_head"]) / n,
            "push_headers_per_event": push["up_head"] / n,
            "push_down_per_event": push["down"] / n,
            "all_up_per_event": every["up"] / n,
            "all_down_per_event": every["down"] / n,
            "bare_gzip_per_event": bare_payload(events, batch) / n,
            "bare_gzip9_per_event": bare_payload(events, batch, level=9) / n,
            "pushes_per_200": push["requests"] * 200 / n,
            "round_trips_per_1000": every["requests"] * 1000 / n,
        }
        run |= {f"gzip_{k}": v for k, v in wire_breakdown(events, batch).items()}
        if openrosa:
            with OpenRosaSink() as sink, LinkProxy(sink.url) as proxy:
                taken = upload(proxy.url, events, secrets.token_urlsafe(48))
            if taken != n:
                raise RuntimeError(f"OpenRosa sink took {taken} of {n}")
            totals = proxy.totals()
            run |= {
                "openrosa_up_per_record": totals["up"] / n,
                "openrosa_down_per_record": totals["down"] / n,
                "openrosa_round_trips_per_record": totals["requests"] / n,
            }
        return run
    finally:
        store.close()


def wire_phase(workdir: Path, catalogue: Catalogue, args: Any) -> dict[str, Any]:
    """Per batch size, median over ``repeat`` runs of fresh stores holding ``wire_events`` realistic cases."""
    out: dict[str, Any] = {"events": args.wire_events, "batches": {}}
    with county_db("sqlite", workdir) as (url, schema, engine), CountyServer(url, schema) as server:
        for batch in args.batches:
            runs = [
                _one_wire_run(
                    server,
                    engine,
                    workdir,
                    catalogue,
                    args.wire_events,
                    batch,
                    args.seed + r,
                    openrosa=(batch == args.batches[0]),
                )
                for r in range(args.repeat)
            ]
            out["batches"][str(batch)] = {"runs": runs, "median": medians(runs)}
    return out


def _drain_over_link(
    store: LedgerStore,
    server: CountyServer,
    seed: int,
    link: dict[str, float],
    batch: int = BATCH,
    pause: float | None = None,
) -> dict[str, Any]:
    """Run the engine until the outbox is empty; after a failed run wait as Backoff says (or ``pause`` s)."""
    port = StoreSyncPort(store)
    backoff = Backoff(rng=random.Random(seed).random)
    runs, waited, errors = 0, 0.0, []
    with LinkProxy(server.url, seed=seed, track_seqs=True, **link) as proxy:
        engine = SyncEngine(
            SyncClient(proxy.url, sync_client_for(store).device_token), port, app_version=APP_VERSION, batch=batch
        )
        start = time.monotonic()
        while port.pending_count() and runs < LINK_MAX_RUNS and time.monotonic() - start < LINK_DEADLINE_S:
            report = engine.run()
            runs += 1
            if report.ok:
                backoff.reset()
                continue
            errors.append(report.error.code)
            delay = pause if pause is not None else backoff.next_delay(report.error.retry_after)
            delay = max(0.0, min(delay, LINK_DEADLINE_S - (time.monotonic() - start)))
            time.sleep(delay)
            waited += delay
        wall = time.monotonic() - start
        stats, totals = proxy.stats, proxy.totals()
    return {
        "wall_s": wall,
        "runs": runs,
        "backoff_wait_s": waited,
        "errors": errors,
        "requests": totals["requests"],
        "dropped": totals["dropped"],
        "connections": stats.connections,
        "dropped_in_answer": sum(e.dropped == "down" for e in stats.exchanges),
        "batch": batch,
        "up_bytes": totals["up"],
        "down_bytes": totals["down"],
        "resent_after_ack": stats.resent_after_ack,
        "resent_after_failure": stats.resent_after_failure,
        "pending_left": port.pending_count(),
    }


def _link_run(
    server: CountyServer,
    engine,
    folder: Path,
    catalogue: Catalogue,
    n: int,
    seed: int,
    link: dict[str, float],
    batch: int = BATCH,
    pause: float | None = None,
) -> dict[str, Any]:
    store = recorded_store(server.url, engine, folder, catalogue, n, seed)
    try:
        before = ledger_counts(engine)["rows"]
        run = _drain_over_link(store, server, seed, link, batch, pause)
        run["county_rows"] = ledger_counts(engine)["rows"] - before
        run["acked_on_device"] = store.outbox_counts().get("acked", 0)
    finally:
        store.close()
    return run


def link_phase(workdir: Path, catalogue: Catalogue, args: Any) -> dict[str, Any]:
    """``link_events`` recorded cases pushed by the real SyncEngine through the 2G stand-in, ``repeat`` times.

    Then, with ``link_stress_drop``, one run at that drop rate and batches of 50 (more requests, more drops),
    pausing a fixed second between failed runs instead of backing off: it only checks that nothing
    acknowledged is sent twice when many requests and answers are lost (at 5%, a run of six requests often
    sees no drop at all).
    """
    runs = []
    with county_db("sqlite", workdir) as (url, schema, engine), CountyServer(url, schema) as server:
        for r in range(args.link_repeat):
            run = _link_run(
                server, engine, workdir / f"link-{r}", catalogue, args.link_events, args.seed + 100 + r, LINK
            )
            runs.append(run)
            print(
                f"  2G run {r + 1}: {run['wall_s']:.1f} s, {run['dropped']} dropped, "
                f"{run['resent_after_ack']} re-sent after ack",
                flush=True,
            )
        stress = None
        if args.link_stress_drop:
            link = {**LINK, "drop_rate": args.link_stress_drop}
            stress = _link_run(
                server,
                engine,
                workdir / "link-stress",
                catalogue,
                args.link_events,
                args.seed + 99,
                link,
                STRESS_BATCH,
                STRESS_PAUSE_S,
            )
            stress["link"] = link
            print(
                f"  2G stress run ({args.link_stress_drop:.0%} dropped): {stress['wall_s']:.1f} s, "
                f"{stress['dropped']} dropped ({stress['dropped_in_answer']} in the answer), "
                f"{stress['resent_after_ack']} re-sent after ack",
                flush=True,
            )
    wall = statistics.median(run["wall_s"] for run in runs)
    return {
        "events": args.link_events,
        "link": LINK,
        "runs": runs,
        "median_wall_s": wall,
        "max_resent_after_ack": max(run["resent_after_ack"] for run in runs),
        "stress": stress,
    }
