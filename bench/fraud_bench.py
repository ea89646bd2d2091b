"""Ingest rate with the fraud rules (刷单规则) on and off: county.services.ingest.push called directly.

Per database and round, each mode on a fresh database: one enrolled device pushes ``--history`` events of a
realistic history untimed (so the rules look at a point that already has cases), then ``--events`` more in
batches of 500, timed (wall clock and this process's CPU). Rounds alternate which mode goes first, so a
change in the machine's load falls on both. The bar (issue 19): the rate with the rules on within 20% of the
rate without. Figures: docs/benchmarks.md.

    .venv/bin/python -m bench.fraud_bench --events 4000 --history 4000 --repeat 3 --db sqlite postgresql
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.sync_county import county_db, provision
from bench.sync_load import backlog_drafts, push_request, seal_chain
from county.config import FraudRules
from county.models import FraudHit
from county.services import fraud_watch, ingest
from county.services.auth import authenticate
from county.services.pii import PiiBox, new_key
from sync.ledger.catalogue import load_catalogue

BATCH = 500
OUT = Path(__file__).resolve().parent / "out"


def _push_all(engine, device, requests, box, rules: FraudRules) -> tuple[float, float]:
    wall = cpu = 0.0
    for request in requests:
        with Session(engine) as session:
            t0, c0 = time.perf_counter(), time.process_time()
            dev, point = authenticate(session, f"Device {device.token}", lock=True)
            result = ingest.push(session, dev, point, request, max_events=BATCH, box=box, fraud=rules)
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
        if result.rejected:
            raise RuntimeError(f"an event was refused: {result.rejected[0]}")
    return wall, cpu


class RuleClock:
    """Wall and CPU time spent inside the rules (fraud_watch.check_batch) during timed pushes: their share of the
    same run's push time is robust to the machine's load, which falls on both alike."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self.counting = False
        self._real = fraud_watch.check_batch

    def __call__(self, *args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return self._real(*args, **kwargs)
        finally:
            if self.counting:
                self.wall += time.perf_counter() - t0
                self.cpu += time.process_time() - c0


def one_run(kind: str, workdir: Path, drafts, history: int, on: bool) -> dict:
    box = PiiBox(new_key())
    rules = FraudRules(enabled=on)
    clock = RuleClock()
    fraud_watch.check_batch = clock  # type: ignore[assignment]  # restored below
    with county_db(kind, workdir) as (_url, _schema, engine):
        (device,) = provision(engine, 1)
        events = seal_chain(drafts, device)
        requests = [push_request(device.device_id, events[i : i + BATCH]) for i in range(0, len(events), BATCH)]
        split = history // BATCH
        try:
            _push_all(engine, device, requests[:split], box, rules)  # the history: untimed
            clock.counting = True
            wall, cpu = _push_all(engine, device, requests[split:], box, rules)
        finally:
            fraud_watch.check_batch = clock._real
        with Session(engine) as session:
            found = session.scalar(select(func.count()).select_from(FraudHit))
    timed = len(events) - split * BATCH
    return {
        "db": kind,
        "rules": "on" if on else "off",
        "events": timed,
        "events_per_s": timed / wall,
        "cpu_ms_per_1000": cpu * 1e6 / timed,
        "hits": found,
        "rules_share_wall": clock.wall / wall,
        "rules_share_cpu": clock.cpu / cpu if cpu else 0.0,
        "rules_cpu_ms_per_1000": clock.cpu * 1e6 / timed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000, help="events timed per run (multiple of 500)")
    parser.add_argument("--history", type=int, default=4000, help="events pushed first, untimed (multiple of 500)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    drafts = backlog_drafts(load_catalogue(), random.Random(args.seed), args.history + args.events)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db:
            for round_no in range(args.repeat):
                for on in (round_no % 2 == 0, round_no % 2 == 1):  # alternate which mode goes first
                    run = one_run(kind, Path(tmp), drafts, args.history, on)
                    runs.append(run)
                    print(
                        f"{kind:10} round {round_no + 1} rules {run['rules']:3}  {run['events_per_s']:8.0f} events/s"
                        f"  {run['cpu_ms_per_1000']:6.0f} ms CPU / 1,000 events  hits {run['hits']}"
                        f"  rules {run['rules_share_cpu']:.1%} of CPU, {run['rules_share_wall']:.1%} of wall",
                        flush=True,
                    )
    print("\nmedians")
    summary = {}
    for kind in args.db:
        rates = {}
        for mode in ("off", "on"):
            mine = [r for r in runs if r["db"] == kind and r["rules"] == mode]
            rates[mode] = statistics.median(r["events_per_s"] for r in mine)
            cpu = statistics.median(r["cpu_ms_per_1000"] for r in mine)
            print(f"{kind:10} rules {mode:3}  {rates[mode]:8.0f} events/s  {cpu:6.0f} ms CPU / 1,000 events")
            summary[f"{kind}_{mode}"] = {"events_per_s": rates[mode], "cpu_ms_per_1000": cpu}
        ratio = rates["on"] / rates["off"]
        ons = [r for r in runs if r["db"] == kind and r["rules"] == "on"]
        share = statistics.median(r["rules_share_wall"] for r in ons)
        print(f"{kind:10} on/off {ratio:.2f} (bar: ≥ 0.80); time inside the rules {share:.1%} of push time (median)")
        summary[f"{kind}_ratio"] = ratio
        summary[f"{kind}_rules_share_wall"] = share
        summary[f"{kind}_rules_cpu_ms_per_1000"] = statistics.median(r["rules_cpu_ms_per_1000"] for r in ons)
    OUT.mkdir(exist_ok=True)
    (OUT / "fraud_bench.json").write_text(json.dumps({"args": vars(args), "runs": runs, "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
