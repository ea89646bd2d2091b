"""The case list's query before and after 0012_bench_indexes and the capped count, on the generated SQLite county.

    .venv/bin/python -m bench.console_plans --cases 1000000

"Before" is the same SQL with the case table read ``NOT INDEXED`` for the page (as it was read before the
indexes existed: every case sorted) and the count over every matching case; "after" is what
``county.web.queries.search_cases`` sends now. Alternating, ``--rounds`` each, CPU ms of this process (the
query runs in it: sqlite3 in process) and the plans.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time

from bench import console_data

PAGE = (
    'SELECT "case".case_id, point.code FROM "case"{hint} JOIN point ON point.id = "case".point_id {where} '
    'ORDER BY "case".business_date DESC, "case".receipt_no DESC LIMIT 50 OFFSET {offset}'
)
COUNT_ALL = 'SELECT count(*) FROM (SELECT "case".case_id FROM "case" JOIN point ON point.id = "case".point_id {where})'
COUNT_CAPPED = (
    'SELECT count(*) FROM (SELECT "case".case_id FROM "case" JOIN point ON point.id = "case".point_id {where} '
    "LIMIT 10001)"
)
KINDS = {
    "bureau, no filter": ("", 0),
    "bureau, page 7": ("", 300),
    "bureau, state in_review": ("WHERE \"case\".state = 'in_review'", 0),
    "township 1, no filter": ('WHERE "case".point_id IN (SELECT id FROM point WHERE township_id = 1)', 0),
}


def _cpu(conn: sqlite3.Connection, sql: str) -> float:
    start = time.process_time()
    conn.execute(sql).fetchall()
    return (time.process_time() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    generated = console_data.database("sqlite", args.cases)
    conn = sqlite3.connect(generated.url.removeprefix("sqlite:///"))
    out = {}
    for name, (where, offset) in KINDS.items():
        before_page = PAGE.format(hint=" NOT INDEXED", where=where, offset=offset)
        after_page = PAGE.format(hint="", where=where, offset=offset)
        plans = {
            key: [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
            for key, sql in (("before", before_page), ("after", after_page))
        }
        times: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.rounds):
            times["before"].append(_cpu(conn, before_page) + _cpu(conn, COUNT_ALL.format(where=where)))
            times["after"].append(_cpu(conn, after_page) + _cpu(conn, COUNT_CAPPED.format(where=where)))
        out[name] = {"plans": plans, **{f"{k}_cpu_ms": statistics.median(v) for k, v in times.items()}}
        print(name, json.dumps(out[name], ensure_ascii=False), flush=True)
    (console_data.OUT / f"console_plans-{args.cases}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
