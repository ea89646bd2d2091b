"""CPU per console page and per 专区 lookup, in one process, on the generated county (no HTTP, no other load).

    .venv/bin/python -m bench.console_cpu --cases 1000000 --db sqlite

Wall time on a machine shared with other work measures the sharing; the CPU time of the process serving a
page does not (much). Each page is asked through the real app (FastAPI's TestClient: routing, session check,
scope, queries, template) ``--rounds`` times per query kind and role; reported per kind: the median and p95
of CPU ms (``time.process_time``, the whole process) and of wall ms. The query plans of the case list are
printed beside them (``EXPLAIN``), so a slow kind shows why.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from bench import console_data
from bench.console_load import percentile, staff_tokens, targets
from county.api.app import create_app
from county.config import Settings
from county.db import upgrade


def _timed(client: TestClient, path: str, cookie: str | None) -> tuple[float, float, int]:
    headers = {"Cookie": f"ssb_console={cookie}"} if cookie else {}
    cpu, wall = time.process_time(), time.perf_counter()
    status = client.get(path, headers=headers).status_code
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000, status


def measure(kind: str, cases: int, rounds: int, seed: int = 7) -> dict:
    generated = console_data.database(kind, cases)
    engine = generated.engine()
    upgrade(engine)
    aims = targets(engine, 1, generated.qr_key, random.Random(seed), n=400)
    tokens = staff_tokens(engine, 1)
    settings = Settings(database_url=generated.url, pii_key=generated.pii_key, qr_key=generated.qr_key)
    app = create_app(settings, generated.engine())
    out: dict[str, dict] = {}
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        kinds: dict[str, tuple[list[str], str | None]] = {}
        for role in ("bureau_clerk", "township"):
            for path in sorted(set(aims.searches[role])):
                label = path.split("?", 1)[1].split("=")[0] if "?" in path else "all"
                kinds.setdefault(f"search {role} {label}", ([], tokens[role]))[0].append(path)
            kinds[f"case {role}"] = ([f"/console/cases/{c}" for c in aims.case_ids[role]], tokens[role])
        kinds["lookup"] = (aims.lookups, None)
        rng = random.Random(seed)
        for name, (paths, cookie) in kinds.items():
            _timed(client, paths[0], cookie)  # the first of a kind warms its templates and statements
            samples = [_timed(client, rng.choice(paths), cookie) for _ in range(rounds)]
            cpu = [c for c, _w, s in samples if s == 200]
            wall = [w for _c, w, s in samples if s == 200]
            out[name] = {
                "n": len(cpu),
                "statuses": sorted({s for *_x, s in samples}),
                "cpu_ms_median": statistics.median(cpu) if cpu else None,
                "cpu_ms_p95": percentile(cpu, 0.95),
                "wall_ms_median": statistics.median(wall) if wall else None,
                "wall_ms_p95": percentile(wall, 0.95),
            }
            print(f"{kind:10} {name:34} " + json.dumps(out[name]), flush=True)
    engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    started = datetime.now(UTC)
    results = {kind: measure(kind, args.cases, args.rounds) for kind in args.db or ["sqlite", "postgresql"]}
    path = console_data.OUT / f"console_cpu-{args.cases}-{started:%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"started": started.isoformat(), "cases": args.cases, "results": results}, indent=1))
    print("written", path.relative_to(console_data.ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
