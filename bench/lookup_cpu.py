"""CPU per 专区 status lookup (/ssb/q) in one process: the ASGI app called directly, no HTTP, no client.

    .venv/bin/python -m bench.lookup_cpu --cases 20000 --db sqlite --db postgresql --repeat 5

On the generated county of ``bench.console_data``: ``--lookups`` valid receipt numbers and check codes (as the
console bench asks them), each asked once as a browser's first visit and, with ``--revisit``, once more with
the ETag it got (If-None-Match). Reports per run the CPU ms of the process per lookup (``time.process_time``:
the event loop and the worker thread alike) and the median over ``--repeat`` runs. CPU time, unlike wall time,
stays meaningful on a machine shared with other work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time

from bench import console_data
from bench.console_load import targets
from county.api.app import create_app
from county.config import Settings
from county.db import upgrade


async def _ask(app, path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    route, query = path.split("?", 1)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    out: dict = {}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], dict(message["headers"])

    await app(scope, receive, send)
    return out


async def _run(app, paths: list[str], revisit: bool) -> dict:
    for path in paths[:50]:  # warm: statements prepared, templates compiled
        await _ask(app, path, [])
    statuses: dict[int, int] = {}
    cpu = time.process_time()
    for path in paths:
        first = await _ask(app, path, [])
        statuses[first["status"]] = statuses.get(first["status"], 0) + 1
        if revisit and b"etag" in first["headers"]:
            again = await _ask(app, path, [(b"if-none-match", first["headers"][b"etag"])])
            statuses[again["status"]] = statuses.get(again["status"], 0) + 1
    spent = time.process_time() - cpu
    return {"cpu_ms_per_request": spent * 1000 / sum(statuses.values()), "statuses": statuses}


def measure(kind: str, cases: int, lookups: int, repeat: int, revisit: bool) -> dict:
    generated = console_data.database(kind, cases)
    engine = generated.engine()
    upgrade(engine)
    aims = targets(engine, 1, generated.qr_key, random.Random(7), n=lookups)
    settings = Settings(database_url=generated.url, pii_key=generated.pii_key, qr_key=generated.qr_key)
    app = create_app(settings, generated.engine())
    runs = [asyncio.run(_run(app, aims.lookups, revisit)) for _ in range(repeat)]
    engine.dispose()
    cpu = [run["cpu_ms_per_request"] for run in runs]
    return {"db": kind, "runs": runs, "cpu_ms_median": statistics.median(cpu), "cpu_ms_range": [min(cpu), max(cpu)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--revisit", action="store_true", help="each lookup asked again with its ETag")
    args = parser.parse_args()
    for kind in args.db or ["sqlite", "postgresql"]:
        result = measure(kind, args.cases, args.lookups, args.repeat, args.revisit)
        print(json.dumps({k: v for k, v in result.items() if k != "runs"}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
