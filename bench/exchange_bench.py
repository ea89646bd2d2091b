"""The data exchange's feed (docs/data-api.md): a cursor walk while devices push cases concurrently (each case
exactly once), then how many cases per second one client reads: personal fields masked, in full, and left out
(``?applicant=omit``, nothing decrypted).

    PYTHONPATH=$PWD python -m bench.exchange_bench --cases 10000 --db postgresql

The endpoint runs in a child process (one, so the figures are one process's), the pushes and the walk in this
one; the county database is a fresh SQLite file or a private PostgreSQL schema."""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import requests
from sqlalchemy import text

from bench.sync_county import county_db, engine_for, provision
from bench.sync_load import case_drafts, push_request, seal_chain
from county.services import api_clients
from county.services.exchange import MAX_PAGE
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


def _page(base: str, token: str, cursor: int, limit: int, applicant: str = "scope", http=requests) -> dict:
    response = http.get(
        f"{base}/api/v1/exchange/cases",
        params={"cursor": cursor, "limit": limit, "applicant": applicant},
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
        stream=True,
    )
    response.raise_for_status()
    # read in 1 MiB pieces (``.content`` reads 10 KiB at a time) and parse with orjson (stdlib json costs a page
    # ~25 ms): a client catching up reads fast too
    return orjson.loads(b"".join(response.iter_content(1 << 20)))


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


@dataclass(frozen=True)
class Endpoint:
    """A served endpoint: its URL, its largest page, its process and the name its database sessions carry."""

    url: str
    largest: int
    pid: int
    app_name: str


def _cpu(engine, endpoint: Endpoint) -> dict[int, float]:
    """CPU seconds so far of the endpoint's process and of each PostgreSQL backend serving it (/proc, Linux)."""
    pids = [endpoint.pid]
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            pids += connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :a"), {"a": endpoint.app_name}
            ).all()
    ticks, seconds = os.sysconf("SC_CLK_TCK"), {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def feed_rate(
    bases: dict[str, Endpoint], engine, *, read_pii: bool, limit: int, applicant: str = "scope", runs: int = 3
) -> dict:
    """Whole walks from cursor 0, ``runs`` times on each server in ``bases`` (taking turns, so a burst of load on
    the shared machine hits each alike), one client keeping its connection; the median walk's rate per server,
    and with two servers the ratio of the medians (the first over the second). Each server is read in pages of
    ``limit`` or its own largest page, whichever is smaller. ``cpu_per_case_us``: the CPU the endpoint's process
    and its database backends spent per case delivered (median walk), which the load of a shared machine changes
    far less than the wall-clock rate; ``client_cpu_per_case_us`` what this process spent reading them."""
    token = _register(engine, f"bench reader pii={read_pii} {applicant} {limit}", read_pii=read_pii)
    rates: dict[str, list[float]] = {name: [] for name in bases}
    cpu: dict[str, list[float]] = {name: [] for name in bases}
    own: dict[str, list[float]] = {name: [] for name in bases}  # the endpoint's process alone
    reader: dict[str, list[float]] = {name: [] for name in bases}  # this process: the client reading the pages
    for _ in range(runs):
        for name, endpoint in bases.items():
            before, client_before = _cpu(engine, endpoint), time.process_time()
            with requests.Session() as http:
                started, cursor, count = time.perf_counter(), 0, 0
                while True:
                    page = _page(endpoint.url, token, cursor, min(limit, endpoint.largest), applicant, http)
                    count += len(page["items"])
                    cursor = page["next_cursor"]
                    if not page["more"]:
                        break
            rates[name].append(count / (time.perf_counter() - started))
            reader[name].append((time.process_time() - client_before) / count * 1e6)
            after = _cpu(engine, endpoint)
            cpu[name].append(sum(after[pid] - before.get(pid, 0.0) for pid in after) / count * 1e6)
            own[name].append((after[endpoint.pid] - before[endpoint.pid]) / count * 1e6)
    result: dict = {"cases": count}
    for name, walks in rates.items():
        result[name] = {
            "page": min(limit, bases[name].largest),
            "runs": [round(r) for r in walks],
            "cases_per_second": round(statistics.median(walks)),
            "cpu_per_case_us": round(statistics.median(cpu[name]), 1),
            "endpoint_cpu_per_case_us": round(statistics.median(own[name]), 1),
            "client_cpu_per_case_us": round(statistics.median(reader[name]), 1),
        }
    if len(bases) == 2:
        first, second = (result[name]["cases_per_second"] for name in bases)
        result["ratio"] = round(first / second, 2)
        first, second = (result[name]["cpu_per_case_us"] for name in bases)
        result["cpu_ratio"] = round(second / first, 2)  # how many times less CPU per case the first spends
    return result


def _analyze(engine) -> None:
    """Planner statistics for the cases just pushed, as autovacuum would gather them on a county that has run a
    while (PostgreSQL; without them a fresh bench database plans the page's query on guesses)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def _server(url: str, schema: str | None, key: str, app_name: str, tree: str | None = None) -> subprocess.Popen:
    """The endpoint in a child process; ``tree``: another checkout's code (the baseline), same database. Its
    database sessions carry ``app_name`` (libpq's PGAPPNAME), so that their CPU can be told apart."""
    env = {**os.environ, "BENCH_PII_KEY": key, "PGAPPNAME": app_name}
    if tree:
        env["PYTHONPATH"] = tree
    return subprocess.Popen(
        [sys.executable, "-m", "bench.exchange_bench", "--serve", url, schema or ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=tree or None,
        text=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--limit", type=int, nargs="+", default=[1000], help="page sizes to read the feed in")
    parser.add_argument(
        "--baseline",
        metavar="TREE",
        help="another checkout of the project (e.g. the commit before a change): its endpoint serves the same "
        "database beside this one's, the walks take turns, and each mode reports the ratio this/baseline",
    )
    parser.add_argument("--runs", type=int, default=3, help="walks of the whole feed per mode (median reported)")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "SCHEMA"))
    parser.add_argument("--baseline-max-page", type=int, default=1000, help="the baseline's largest page")
    args = parser.parse_args(argv)
    if args.serve:
        return _serve(*args.serve)
    catalogue, key = load_catalogue(), new_key()
    with tempfile.TemporaryDirectory() as work, county_db(args.db, Path(work)) as (url, schema, engine):
        app_name = f"exchange-bench-{os.getpid()}"
        children = [_server(url, schema, key, app_name)]
        try:
            port = json.loads(children[0].stdout.readline())["port"]
            bases = {"this": Endpoint(f"http://127.0.0.1:{port}", MAX_PAGE, children[0].pid, app_name)}
            if args.baseline:
                children.append(_server(url, schema, key, app_name + "-baseline", args.baseline))
                port = json.loads(children[1].stdout.readline())["port"]
                bases["baseline"] = Endpoint(
                    f"http://127.0.0.1:{port}", args.baseline_max_page, children[1].pid, app_name + "-baseline"
                )
            devices = provision(engine, args.devices)
            per = args.cases // args.devices
            chains = [
                seal_chain(case_drafts(catalogue, random.Random(n), per, per_day=200), d) for n, d in enumerate(devices)
            ]
            rate = functools.partial(feed_rate, bases, engine, runs=args.runs)
            result = {
                "db": args.db,
                "walk_during_ingest": walk_during_ingest(bases["this"].url, engine, devices, chains, batch=100),
            }
            _analyze(engine)
            for limit in args.limit:
                result[f"limit_{limit}"] = {
                    "feed_masked": rate(read_pii=False, limit=limit),
                    "feed_with_pii": rate(read_pii=True, limit=limit),
                    "feed_no_pii": rate(read_pii=False, limit=limit, applicant="omit"),
                }
            result["load_average"] = os.getloadavg()
        finally:
            for child in children:
                child.stdin.close()
                child.wait(timeout=30)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
