"""Where one page of the data exchange feed spends its time: cProfile of ``exchange.cases_after`` on pages of
``--limit`` cases, in this process (no HTTP), for each mode (masked, in full, ``applicant=omit``).

    PYTHONPATH=$PWD python -m bench.exchange_profile --cases 5000 --db postgresql

The cases are pushed through a child endpoint as bench/exchange_bench.py does; the profile prints the top
functions by cumulative and by own time, then each mode's in-process rate over the whole feed
(median of ``--runs`` walks, the modes taking turns). On PostgreSQL each mode is walked both ways, the page
written by the database in one query and from the rows by orjson (the SQLite path, and PostgreSQL's before), and
the ratio of the two is printed: measured in the same process, minutes apart at most."""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from bench.exchange_bench import _analyze, _register
from bench.sync_county import county_db, provision
from bench.sync_load import case_drafts, push_request, seal_chain
from county.models import ApiClient
from county.services import exchange, pii_keys
from county.services.pii import PiiBox, new_key
from sync.client import SyncClient
from sync.ledger.catalogue import load_catalogue

MODES = (("masked", False, True), ("full", True, True), ("omit", False, False))


def _walk(
    engine, box: PiiBox, client_id: int, limit: int, applicant: bool, in_database: bool | None = None
) -> tuple[int, float]:
    started, cursor, count = time.perf_counter(), 0, 0
    with Session(engine) as session:
        client = session.get(ApiClient, client_id)
        while True:
            page = exchange.cases_after(
                session, box, client, cursor, limit, applicant=applicant, in_database=in_database
            )
            count, cursor = count + page.count, page.next_cursor
            if not page.more:
                break
    return count, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5, help="unprofiled walks per mode (median reported)")
    args = parser.parse_args(argv)
    catalogue, key = load_catalogue(), new_key()
    with tempfile.TemporaryDirectory() as work, county_db(args.db, Path(work)) as (url, schema, engine):
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.exchange_bench", "--serve", url, schema or ""],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "BENCH_PII_KEY": key},
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{json.loads(child.stdout.readline())['port']}"
            (device,) = provision(engine, 1)
            chain = seal_chain(case_drafts(catalogue, random.Random(1), args.cases, per_day=200), device)
            client = SyncClient(base, device.token)
            for i in range(0, len(chain), 100):
                client.push(push_request(device.device_id, chain[i : i + 100]))
        finally:
            child.stdin.close()
            child.wait(timeout=30)
        _analyze(engine)
        box = pii_keys.attach(PiiBox(key), engine)
        clients = {}
        for name, read_pii, _applicant in MODES:
            _register(engine, f"profile {name}", read_pii=read_pii)
            with Session(engine) as session:
                clients[name] = session.query(ApiClient.id).filter(ApiClient.name == f"profile {name}").scalar()
        for name, _read_pii, applicant in MODES:
            profiler = cProfile.Profile()
            profiler.enable()
            _walk(engine, box, clients[name], args.limit, applicant)  # the default: in the database on PostgreSQL
            profiler.disable()
            print(f"== {name}: {args.cases} cases, pages of {args.limit}")
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
        builders = {"rows": False, "database": True} if args.db == "postgresql" else {"rows": False}
        walks: dict[str, list[float]] = {f"{name} {b}": [] for name, _r, _a in MODES for b in builders}
        for _ in range(args.runs):  # modes and builders in turn, so a burst of load on the shared machine hits each
            for name, _read_pii, applicant in MODES:
                for builder, in_database in builders.items():
                    count, seconds = _walk(engine, box, clients[name], args.limit, applicant, in_database)
                    walks[f"{name} {builder}"].append(count / seconds)
        rates = {name: round(statistics.median(r)) for name, r in walks.items()}
        ratios = (
            {name: round(rates[f"{name} database"] / rates[f"{name} rows"], 2) for name, _r, _a in MODES}
            if len(builders) == 2
            else {}
        )
    print(
        json.dumps(
            {
                "db": args.db,
                "cases": args.cases,
                "page": args.limit,
                "in_process_cases_per_second": rates,
                "database_over_rows": ratios,
                "load_average": os.getloadavg(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
