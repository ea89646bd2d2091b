"""The statistics page's figures on a generated county (bench/console_data.py), in one process.

    .venv/bin/python -m bench.stats_bench --cases 200000 --db sqlite --rounds 20

``statistics.dashboard`` — every table of the 统计分析 page, timeliness and sync health included — is computed
``--rounds`` times for the bureau (county-wide), one township and one department (县市场监管局), on a clock at
the generated data's last day; reported per role: the median and p95 of wall ms and of the process's CPU ms,
and the case rows in the window. Then the open-data file is built once (wall ms, size). The query plans of
the two biggest groupings are printed (``EXPLAIN``), so a slow figure shows whether it scans the case table.
"""

from __future__ import annotations

import argparse
import json
import statistics as stats
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench import console_data
from bench.console_load import percentile
from county.db import upgrade
from county.models import Case, Township
from county.services import open_data, statistics
from county.services.scope import Scope
from county.services.staff import StaffRole

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 11:00 China time on the generated data's last day


def _scopes(session: Session) -> dict[str, Scope]:
    township = session.scalar(select(Township.id).order_by(Township.id).limit(1))
    return {
        "bureau": Scope(StaffRole.BUREAU_CLERK),
        "township": Scope(StaffRole.TOWNSHIP, township_id=township),
        "department": Scope(StaffRole.DEPARTMENT, item_codes=frozenset({"FL015", "FL016", "FL017", "FL018"})),
    }


def _plans(session: Session, kind: str) -> None:
    """The plans of the two biggest groupings of the running aggregates, county-wide."""
    months = statistics.window(NOW)
    window = f"month >= '{months[0]}' AND month <= '{months[-1]}'"
    queries = {
        "figures by point": f"SELECT point_id, sum(cases), sum(points), sum(mailings) FROM stats_month_point "
        f"WHERE {window} GROUP BY point_id",
        "figures by (mode, item)": f"SELECT mode, item_code, sum(cases), sum(points) FROM stats_month_item "
        f"WHERE {window} GROUP BY mode, item_code",
    }
    explain = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN "
    for name, query in queries.items():
        print(f"  plan of {name}:")
        for row in session.execute(text(explain + query)).all():
            print("    " + " ".join(str(c) for c in row))


def measure(kind: str, cases: int, rounds: int) -> dict:
    generated = console_data.database(kind, cases)
    engine = generated.engine()
    upgrade(engine)
    out: dict = {"generated_seconds": generated.seconds}
    with Session(engine) as session:
        months = statistics.window(NOW)
        in_window = session.scalar(
            select(func.count()).select_from(Case).where(Case.business_date >= f"{months[0]}-01")
        )
        out["cases_in_window"] = in_window
        for role, scope in _scopes(session).items():
            statistics.dashboard(session, scope, NOW)  # warm the page cache once
            wall, cpu = [], []
            for _ in range(rounds):
                c, w = time.process_time(), time.perf_counter()
                statistics.dashboard(session, scope, NOW)
                cpu.append((time.process_time() - c) * 1000)
                wall.append((time.perf_counter() - w) * 1000)
            out[role] = {
                "n": rounds,
                "wall_ms_median": round(stats.median(wall), 1),
                "wall_ms_p95": round(percentile(wall, 0.95), 1),
                "cpu_ms_median": round(stats.median(cpu), 1),
                "cpu_ms_p95": round(percentile(cpu, 0.95), 1),
            }
            print(f"{kind:10} {role:10} " + json.dumps(out[role]), flush=True)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "open.sqlite"
            w = time.perf_counter()
            open_data.build(session, path, NOW)
            out["open_data"] = {"wall_ms": round((time.perf_counter() - w) * 1000), "bytes": path.stat().st_size}
        print(f"{kind:10} open-data  " + json.dumps(out["open_data"]), flush=True)
        _plans(session, kind)
    engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--big", type=int, help="cases to generate with COPY into a PostgreSQL database of its own")
    parser.add_argument("--points", type=int, default=20_000, help="with --big: points")
    parser.add_argument("--runs", type=int, default=3, help="with --big: runs of --rounds, the median run reported")
    parser.add_argument("--batches", type=int, default=12, help="with --big: ingest batches of 500 per mode")
    parser.add_argument("--pg-db", default="stats_bench_aggregates", help="with --big: the database's name")
    parser.add_argument("--reuse", action="store_true", help="with --big: measure the database already generated")
    args = parser.parse_args()
    started = datetime.now(UTC)
    if args.big:
        from bench import stats_big

        result = stats_big.run(args.big, args.points, args.rounds, args.runs, args.pg_db, args.reuse, args.batches)
        path = console_data.OUT / f"stats-big-{args.big}-{started:%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps({"started": started.isoformat(), "args": vars(args), "results": result}, indent=1))
        print("written", path.relative_to(console_data.ROOT))
        return 0
    results = {kind: measure(kind, args.cases, args.rounds) for kind in args.db or ["sqlite"]}
    path = console_data.OUT / f"stats-{args.cases}-{started:%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"started": started.isoformat(), "cases": args.cases, "results": results}, indent=1))
    print("written", path.relative_to(console_data.ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
