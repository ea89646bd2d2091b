"""Ingest rate for a point with an empty history and with a year of history: county.services.ingest.push called
directly (no HTTP), as bench/fraud_bench.py does.

Per database and round, each mode on a fresh database with one enrolled device: ``history`` first pushes about
a year of the point's cases (``--history`` events, 40 cases a business day, ~10,000 cases) untimed, then both
modes push the same ``--events`` events of the following days in batches of 500, timed. The county's clock is
set to each batch's last event plus a minute, so every completion is credited to its own month, as at a point
that syncs daily (the device is enrolled before its history begins). Each run first pushes one batch of
another point's, untimed, so that neither mode pays for the process's first queries (compiled statements,
caches) inside its timed part. Timed events that refer to a case or
mailing of the history (a late completion, a delivery) are left out of both modes, so both push the very same
events. Rounds alternate which mode goes first, so a change in the machine's load falls on both. The bar
(issue 19): the two rates within 10% of each other. Figures: docs/benchmarks.md.

    .venv/bin/python -m bench.history_bench --history 14000 --events 4000 --repeat 3 --db sqlite postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.sync_county import county_db, provision
from bench.sync_load import backlog_drafts, push_request, seal_chain
from county.models import Case
from county.services import ingest
from county.services.auth import authenticate
from county.services.pii import PiiBox, new_key
from sync import clock as the_clock
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import CHINA_TZ, EventType, parse_time

BATCH = 500
PER_DAY = 40  # cases a business day: ~10,000 in a year of 250 business days
OUT = Path(__file__).resolve().parent / "out"


class SetClock(the_clock.Clock):
    """The county's clock, set by the bench: each batch is received a minute after its last event."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at.astimezone(CHINA_TZ)


def _refs(body) -> set[str]:
    found = {body.get("case_id"), body.get("mailing_id"), *body.get("case_ids", ())}
    return {ref for ref in found if ref}


def split_drafts(drafts, history: int):
    """The history, and the events after it that do not refer to anything the history created."""
    past, known = drafts[:history], set()
    for draft in past:
        known |= _refs(draft.body)
    timed = []
    for draft in drafts[history:]:
        created = draft.body.get("case_id") if draft.type is EventType.CASE_RECORDED else None
        refs = _refs(draft.body) - {created}
        if refs & known:
            if draft.body.get("mailing_id"):
                known.add(draft.body["mailing_id"])  # its later events go with it
            continue
        timed.append(draft)
    return past, timed


class StatementClock:
    """Wall time spent keeping the points statement (points.publish_statement_if_changed) in the timed pushes:
    the part of ingest that used to grow with the point's history."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.counting = False
        self._real = ingest.publish_statement_if_changed

    def __call__(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return self._real(*args, **kwargs)
        finally:
            if self.counting:
                self.wall += time.perf_counter() - t0


def _push_all(engine, device, requests, box, clock: SetClock) -> tuple[float, float, int]:
    wall = cpu = 0.0
    refused = 0
    for request in requests:
        clock.at = parse_time(request.events[-1].t) + timedelta(minutes=1)
        with Session(engine) as session:
            t0, c0 = time.perf_counter(), time.process_time()
            dev, point = authenticate(session, f"Device {device.token}", lock=True)
            result = ingest.push(session, dev, point, request, max_events=BATCH, box=box)
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
        refused += len(result.rejected)
    return wall, cpu, refused


def one_run(kind: str, workdir: Path, past, timed, mode: str, warm) -> dict:
    box = PiiBox(new_key())
    first = parse_time(past[0].occurred_at)
    clock = SetClock(first - timedelta(days=1))
    previous = the_clock.use_clock(clock)
    statement = StatementClock()
    ingest.publish_statement_if_changed = statement  # type: ignore[assignment]  # restored below
    try:
        with county_db(kind, workdir) as (_url, _schema, engine):
            device, other = provision(engine, 2)  # enrolled the day before the history begins
            warming = seal_chain(warm, other)  # another point's batch first, so that both modes start warm
            _push_all(engine, other, [push_request(other.device_id, warming)], box, clock)
            drafts = (past if mode == "history" else []) + timed
            events = seal_chain(drafts, device)
            split = len(drafts) - len(timed)  # the same batches of the timed events in both modes
            requests = [push_request(device.device_id, events[i : i + BATCH]) for i in range(0, split, BATCH)]
            timed_requests = [
                push_request(device.device_id, events[i : i + BATCH]) for i in range(split, len(events), BATCH)
            ]
            _push_all(engine, device, requests, box, clock)  # the history: untimed
            if kind == "postgresql":  # what autovacuum and the checkpointer have long done on a running county
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(text("VACUUM ANALYZE"))
                    connection.execute(text("CHECKPOINT"))
            with Session(engine) as session:
                before = session.scalar(select(func.count()).where(Case.device_id == device.device_id))
            statement.counting = True
            wall, cpu, refused = _push_all(engine, device, timed_requests, box, clock)
    finally:
        the_clock.use_clock(previous)
        ingest.publish_statement_if_changed = statement._real
    return {
        "db": kind,
        "mode": mode,
        "history_cases": before,
        "events": len(timed),
        "refused": refused,
        "events_per_s": len(timed) / wall,
        "cpu_ms_per_1000": cpu * 1e6 / len(timed),
        "statement_ms_per_batch": statement.wall * 1e3 / len(timed_requests),
        "statement_share_wall": statement.wall / wall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=14000, help="events of history (~10,000 cases)")
    parser.add_argument("--events", type=int, default=4000, help="events after it, before leaving some out")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    drafts = backlog_drafts(load_catalogue(), random.Random(args.seed), args.history + args.events, PER_DAY)
    past, timed = split_drafts(drafts, args.history)
    warm = backlog_drafts(load_catalogue(), random.Random(args.seed + 1), BATCH, PER_DAY)
    warm = [draft for draft in warm if draft.occurred_at >= past[0].occurred_at]  # after the devices' enrolment
    print(f"history {len(past)} events from {past[0].occurred_at[:10]}; timed {len(timed)} events", flush=True)
    print(f"load average at start: {os.getloadavg()} ({datetime.now(UTC):%H:%M} UTC)", flush=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db:
            for round_no in range(args.repeat):
                modes = ("empty", "history") if round_no % 2 == 0 else ("history", "empty")
                for mode in modes:
                    run = one_run(kind, Path(tmp), past, timed, mode, warm)
                    runs.append(run)
                    print(
                        f"{kind:10} round {round_no + 1} {mode:7} cases before {run['history_cases']:6}"
                        f"  {run['events_per_s']:7.0f} events/s  {run['cpu_ms_per_1000']:6.0f} ms CPU / 1,000 events"
                        f"  statement {run['statement_ms_per_batch']:5.1f} ms/batch ({run['statement_share_wall']:.1%})"
                        f"  refused {run['refused']}",
                        flush=True,
                    )
    print(f"\nload average at end: {os.getloadavg()}\nmedians")
    summary = {}
    for kind in args.db:
        rates = {}
        for mode in ("empty", "history"):
            mine = [r for r in runs if r["db"] == kind and r["mode"] == mode]
            rates[mode] = statistics.median(r["events_per_s"] for r in mine)
            cpu = statistics.median(r["cpu_ms_per_1000"] for r in mine)
            kept = statistics.median(r["statement_ms_per_batch"] for r in mine)
            print(
                f"{kind:10} {mode:7}  {rates[mode]:7.0f} events/s  {cpu:6.0f} ms CPU / 1,000 events"
                f"  statement {kept:5.1f} ms/batch"
            )
            summary[f"{kind}_{mode}"] = {"events_per_s": rates[mode], "cpu_ms_per_1000": cpu, "statement_ms": kept}
        ratio = rates["history"] / rates["empty"]
        cpu_ratio = summary[f"{kind}_empty"]["cpu_ms_per_1000"] / summary[f"{kind}_history"]["cpu_ms_per_1000"]
        print(f"{kind:10} history/empty {ratio:.2f} by wall clock, {cpu_ratio:.2f} by CPU (bar: 0.90–1.10)")
        summary[f"{kind}_cpu_ratio"] = cpu_ratio
        summary[f"{kind}_ratio"] = ratio
    OUT.mkdir(exist_ok=True)
    (OUT / "history_bench.json").write_text(
        json.dumps({"args": vars(args), "runs": runs, "summary": summary}, indent=1)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
