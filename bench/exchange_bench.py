"""The data exchange's feed (docs/data-api.md): a cursor walk while devices push cases concurrently (each case
exactly once), then how many cases per second one client reads: personal fields masked, in full, and left out
(``?applicant=omit``, nothing decrypted).

    PYTHONPATH=$PWD python -m bench.exchange_bench --cases 10000 --db postgresql

The endpoint runs in a child process (one, so the figures are one process's), the pushes and the walk in this
one; the county database is a fresh SQLite file or a private PostgreSQL schema."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
import requests

from bench.sync_county import county_db, engine_for, provision
from bench.sync_load import case_drafts, push_request, seal_chain
from county.services import api_clients
from county.services.pii import new_key
from sync.client import SyncClient
from sync.ledger.catalogue import load_catalogue


def _serve(url: str, schema: str) -> int:
    import uvicorn

    from county.api.app import create_app, settle_collector
    from county.config import Settings

    app = create_app(Settings(database_url=url, pii_key=os.environ["BENCH_PII_KEY"]), engine_for(url, schema or None))
    settle_collector()
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    threading.Thread(target=lambda: (sys.stdin.read(), setattr(server, "should_exit", True)), daemon=True).start()
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    print(json.dumps({"port": server.servers[0].sockets[0].getsockname()[1]}), flush=True)
    thread.join()
    return 0


def _register(engine, name: str, *, read_pii: bool) -> str:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        token = api_clients.register(
            session, name, "province", "all", [], read_pii=read_pii, write_statuses=False, actor="bench"
        ).token
        session.commit()
    return token


def _page(base: str, token: str, cursor: int, limit: int, applicant: str = "scope") -> dict:
    response = requests.get(
        f"{base}/api/v1/exchange/cases",
        params={"cursor": cursor, "limit": limit, "applicant": applicant},
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    response.raise_for_status()
    return orjson.loads(response.content)  # a client catching up parses fast too; stdlib json costs a page ~25 ms


def walk_during_ingest(base: str, engine, devices, chains, batch: int) -> dict:
    token = _register(engine, "bench walker", read_pii=False)
    threads = [
        threading.Thread(
            target=lambda d=device, c=chain: [
                SyncClient(base, d.token).push(push_request(d.device_id, c[i : i + batch]))
                for i in range(0, len(c), batch)
            ]
        )
        for device, chain in zip(devices, chains, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    seen, cursor, pages = [], 0, 0
    while True:
        running = any(t.is_alive() for t in threads)
        page = _page(base, token, cursor, 200)
        seen += [c["case_id"] for c in page["items"]]
        cursor, pages = page["next_cursor"], pages + 1
        if not running and not page["more"]:
            break
    expected = sum(len(chain) for chain in chains)
    return {
        "events_pushed": expected,
        "cases_seen": len(seen),
        "distinct": len(set(seen)),
        "each_once": len(seen) == len(set(seen)) == expected,
        "pages": pages,
        "seconds": round(time.perf_counter() - started, 2),
    }


def feed_rate(base: str, engine, *, read_pii: bool, limit: int, applicant: str = "scope", runs: int = 3) -> dict:
    """Whole walks from cursor 0, ``runs`` times; the median walk's rate."""
    token = _register(engine, f"bench reader pii={read_pii} {applicant}", read_pii=read_pii)
    rates = []
    for _ in range(runs):
        started, cursor, count = time.perf_counter(), 0, 0
        while True:
            page = _page(base, token, cursor, limit, applicant)
            count += len(page["items"])
            cursor = page["next_cursor"]
            if not page["more"]:
                break
        rates.append(count / (time.perf_counter() - started))
    return {"cases": count, "runs": [round(r) for r in rates], "cases_per_second": round(statistics.median(rates))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="walks of the whole feed per mode (median reported)")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "SCHEMA"))
    args = parser.parse_args(argv)
    if args.serve:
        return _serve(*args.serve)
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
            devices = provision(engine, args.devices)
            per = args.cases // args.devices
            chains = [
                seal_chain(case_drafts(catalogue, random.Random(n), per, per_day=200), d) for n, d in enumerate(devices)
            ]
            result = {
                "db": args.db,
                "walk_during_ingest": walk_during_ingest(base, engine, devices, chains, batch=100),
                "feed_masked": feed_rate(base, engine, read_pii=False, limit=args.limit, runs=args.runs),
                "feed_with_pii": feed_rate(base, engine, read_pii=True, limit=args.limit, runs=args.runs),
                "feed_no_pii": feed_rate(
                    base, engine, read_pii=False, limit=args.limit, applicant="omit", runs=args.runs
                ),
                "load_average": os.getloadavg(),
                "page_limit": args.limit,
            }
        finally:
            child.stdin.close()
            child.wait(timeout=30)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
