"""Console and 专区 lookup benchmark: staff pages and receipt lookups on a county of a million cases while
counters push at full speed to the same endpoint.

    .venv/bin/python -m bench.console_bench                      # 1,000,000 cases, SQLite and PostgreSQL
    .venv/bin/python -m bench.console_bench --cases 20000 --repeat 1 --db sqlite   # a quick look

Per database (``bench.console_data``: generated once into ``bench/out/`` and reused) the endpoint runs as
``suishenban-county serve`` runs it (``bench.sync_county.CountyServer``: uvicorn on 127.0.0.1, two worker
processes per core) with the database's keys. Each of ``--repeat`` rounds, in alternating order:

- **ingest alone**: ``--devices`` freshly enrolled counters push ``--events`` events each of a realistic
  history in batches of 500 (the ingest bench's push bodies, ``bench.sync_county_phases._http_ingest``);
- **ingest + console**: the same with ``--readers`` staff sessions (half a bureau clerk, half a township
  clerk) each asking for a page every ``--interval`` s: the case list (search page, seven kinds of query) and
  a case page, alternately;
- **ingest + lookups**: the same with ``--lookup-processes`` × ``--lookup-threads`` closed-loop clients
  asking ``/ssb/q`` with valid receipt numbers and check codes;
- **baselines, no ingest**: the console readers alone, and the lookup clients alone.

``--lookups-only`` keeps, per round, the ingest with lookups and the lookups alone (issue 17's figures).

After each ingest the counters it enrolled are removed again (their points, devices, events, cases), so every
round sees the same million cases. Reported per round and as the median of rounds: ingest events/s with and
without load (and the ratio), the p95 of each page, lookups per second and their p95, and the first-visit
transfer size of the 专区 pages. Writes ``bench/out/console_bench-*.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bench import console_data, sync_county
from bench.console_load import ConsoleReaders, lookups, staff_tokens, targets
from bench.sync_county import WORKERS, CountyServer, postgres_version, provision
from bench.sync_county_phases import INGEST_BATCH, _http_ingest, slot_drafts
from bench.sync_load import push_bodies, seal_chain
from county.db import upgrade
from county.models import (
    Account,
    ActivationCode,
    Device,
    Point,
)
from sync.ledger.catalogue import load_catalogue

OUT = console_data.OUT
sync_county.START_TIMEOUT_S = 300.0  # four endpoint processes opening a big database on a busy machine
ZHUANQU_PAGES = ("/ssb/q",)


def drop_enrolled(engine, keep_points: int) -> None:
    """Remove what an ingest round added: the points beyond the generated ones and everything of theirs (every
    table with a ``point_id``, children first, so the newer tables that refer to a point are cleared too)."""
    from county.models import Base

    with Session(engine) as session:
        devices = select(Device.id).where(Device.point_id > keep_points).scalar_subquery()
        accounts = select(Account.id).where(Account.point_id > keep_points).scalar_subquery()
        session.execute(delete(ActivationCode).where(ActivationCode.account_id.in_(accounts)))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in ("point", "device", "account") and "point_id" in table.c:
                session.execute(delete(table).where(table.c.point_id > keep_points))
        session.execute(delete(Device).where(Device.id.in_(devices)))
        session.execute(delete(Account).where(Account.point_id > keep_points))
        session.execute(delete(Point).where(Point.id > keep_points))
        session.commit()


def transfer_sizes(base: str, lookup_path: str) -> dict[str, Any]:
    """Bytes a first visit transfers (gzip accepted, as a phone's browser does): the page and every stylesheet,
    image and script it links to, fetched once each."""
    import re

    out = {}
    for path in (*ZHUANQU_PAGES, lookup_path):
        with requests.Session() as http:
            http.headers["Accept-Encoding"] = "gzip"
            total = len(http.get(base + path, timeout=30, stream=True).raw.read())  # as sent: compressed or not
            text = http.get(base + path, timeout=30).text
            assets = sorted(set(re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js|png|svg|woff2?|ico))"', text)))
            for asset in assets:
                total += len(http.get(base + asset, timeout=30, stream=True).raw.read())
        out["lookup_page" if path == lookup_path else path] = {"bytes": total, "assets": assets}
    return out


def _ingest(server, engine, generated, drafts) -> dict[str, Any]:
    devices = provision(engine, len(drafts))
    chains = [seal_chain(d, dev) for d, dev in zip(drafts, devices, strict=True)]
    bodies = [push_bodies(dev.device_id, chain, INGEST_BATCH) for dev, chain in zip(devices, chains, strict=True)]
    return {"bodies": bodies, "devices": devices, "events": sum(len(c) for c in chains)}


def _timed_ingest(server, prepared) -> dict[str, Any]:
    result = _http_ingest(server, prepared["devices"], prepared["bodies"])
    result["events"] = prepared["events"]
    result["events_per_s"] = result["events"] / result["wall_s"]
    return result


def one_database(kind: str, args) -> dict[str, Any]:
    generated = console_data.database(kind, args.cases)
    engine = generated.engine()
    upgrade(engine)  # the bench's own revisions (indexes) on a database generated before them
    drop_enrolled(engine, generated.points)
    township = 1
    rng = random.Random(args.seed)
    aims = targets(engine, township, generated.qr_key, rng)
    drafts = slot_drafts(load_catalogue(), args.seed, args.devices, args.events)
    os.environ.update(BENCH_COUNTY_PII_KEY=generated.pii_key, BENCH_COUNTY_QR_KEY=generated.qr_key)
    rounds: list[dict[str, Any]] = []
    with CountyServer(generated.url, generated.schema, workers=args.workers) as server:
        sizes = transfer_sizes(server.url, aims.lookups[0])
        for index in range(args.repeat):
            tokens = staff_tokens(engine, township)
            order = ["alone", "console", "lookups"]
            order = ["lookups"] if args.lookups_only else order[index % 3 :] + order[: index % 3]
            round_out: dict[str, Any] = {"order": order}
            for mode in order:
                prepared = _ingest(server, engine, generated, drafts)
                load = None
                if mode == "console":
                    load = ConsoleReaders(server.port, tokens, aims, args.readers, args.interval)
                    load.start()
                    round_out["ingest_console"] = _timed_ingest(server, prepared)
                    load.stop()
                    round_out["console_under_ingest"] = load.report()
                elif mode == "lookups":
                    box = lookups(
                        server.port,
                        aims.lookups,
                        processes=args.lookup_processes,
                        threads=args.lookup_threads,
                        during=lambda prepared=prepared: _timed_ingest(server, prepared),
                    )
                    round_out["ingest_lookups"] = box.pop("during")
                    round_out["lookups_under_ingest"] = box
                else:
                    round_out["ingest_alone"] = _timed_ingest(server, prepared)
                drop_enrolled(engine, generated.points)
            if not args.lookups_only:
                load = ConsoleReaders(server.port, tokens, aims, args.readers, args.interval)
                load.start()
                time.sleep(args.baseline_seconds)
                load.stop()
                round_out["console_alone"] = load.report()
            round_out["lookups_alone"] = lookups(
                server.port,
                aims.lookups,
                processes=args.lookup_processes,
                threads=args.lookup_threads,
                during=lambda: time.sleep(args.baseline_seconds),
            )
            rounds.append(round_out)
            print(json.dumps(_brief(round_out), ensure_ascii=False), flush=True)
    engine.dispose()
    return {
        "db": kind,
        "cases": generated.cases,
        "points": generated.points,
        "generated_in_s": generated.seconds,
        "workers": args.workers,
        "zhuanqu_first_visit": sizes,
        "rounds": rounds,
        "median": _medians(rounds),
    }


def _brief(r: dict[str, Any]) -> dict[str, Any]:
    if "ingest_alone" not in r:  # --lookups-only
        return {
            "ingest_lookups": round(r["ingest_lookups"]["events_per_s"]),
            "lookups_per_s": round(r["lookups_under_ingest"]["per_s"]),
            "lookup_p95": r["lookups_under_ingest"]["p95_ms"],
            "lookups_alone_per_s": round(r["lookups_alone"]["per_s"]),
            "lookup_alone_p95": r["lookups_alone"]["p95_ms"],
        }
    return {
        "ingest_alone": round(r["ingest_alone"]["events_per_s"]),
        "ingest_console": round(r["ingest_console"]["events_per_s"]),
        "ingest_lookups": round(r["ingest_lookups"]["events_per_s"]),
        "search_p95": r["console_under_ingest"]["search"]["p95_ms"],
        "case_p95": r["console_under_ingest"]["case"]["p95_ms"],
        "search_p95_alone": r["console_alone"]["search"]["p95_ms"],
        "case_p95_alone": r["console_alone"]["case"]["p95_ms"],
        "lookups_per_s": round(r["lookups_under_ingest"]["per_s"]),
        "lookup_p95": r["lookups_under_ingest"]["p95_ms"],
        "lookups_alone_per_s": round(r["lookups_alone"]["per_s"]),
        "lookup_alone_p95": r["lookups_alone"]["p95_ms"],
    }


def _medians(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    briefs = [_brief(r) for r in rounds]
    out = {key: statistics.median(b[key] for b in briefs if b[key] is not None) for key in briefs[0]}
    if "ingest_alone" not in briefs[0]:  # --lookups-only
        return out
    out["ingest_console_ratio"] = statistics.median(b["ingest_console"] / b["ingest_alone"] for b in briefs)
    out["ingest_lookups_ratio"] = statistics.median(b["ingest_lookups"] / b["ingest_alone"] for b in briefs)
    for role in ("bureau_clerk", "township"):
        for page in ("search", "case"):
            key = f"{page}_{role}"
            out[f"{key}_p95"] = statistics.median(r["console_under_ingest"][key]["p95_ms"] for r in rounds)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--devices", type=int, default=16, help="counters pushing at once")
    parser.add_argument("--events", type=int, default=6000, help="events per counter and ingest run")
    parser.add_argument("--readers", type=int, default=4, help="staff sessions reading console pages")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between one reader's requests")
    parser.add_argument("--lookup-processes", type=int, default=2)
    parser.add_argument("--lookup-threads", type=int, default=8)
    parser.add_argument(
        "--lookups-only", action="store_true", help="per round only ingest with lookups, then lookups alone"
    )
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=WORKERS, help="endpoint processes (default: two per core)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = datetime.now(UTC)  # the bench's own record of when it ran
    results = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "postgres": postgres_version()},
        "load_before": os.getloadavg(),
        "args": vars(args),
        "databases": [one_database(kind, args) for kind in args.db or ["sqlite", "postgresql"]],
        "load_after": os.getloadavg(),
    }
    path = OUT / f"console_bench-{started:%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    for db in results["databases"]:
        print(db["db"], json.dumps(db["median"], ensure_ascii=False))
        print(" 专区 first visit:", {k: v["bytes"] for k, v in db["zhuanqu_first_visit"].items()})
    print("written", Path(path).relative_to(console_data.ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
