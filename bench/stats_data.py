"""A county of millions of cases for the statistics bench, generated straight into a PostgreSQL database with COPY.

Only what the 统计分析 page reads: 18 townships, ``points`` points (skewed over townships) with an account and an
enrolled device each (last seen within three weeks, so some are silent), ``cases`` cases over two years (skewed
over points, more of them recently; items, flows, points and modes drawn from the counter's weighted mix of
forms, ``bench.workload``; states as ``bench.console_data`` draws them, about 1% voided, 0.2% of completions
disqualified; approval cases signed for two days after recording), and a mailing for about one case in 25. No
ledger events or personal fields: nothing on the page reads them.

The triggers that keep the running aggregates are off and the case table's secondary indexes dropped while the
rows go in, then the indexes are built again, the triggers turned back on and the aggregates rebuilt
(``stats_aggregates.rebuild``), as an operator would after loading rows straight into the tables.

A point code has four digits (the receipt number's), so at most 9,998 points can have one: beyond that the
generated points get codes with letters (``A000`` …), which nothing on the statistics page reads.
"""

from __future__ import annotations

import random
import string
import time
from bisect import bisect
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from sqlalchemy import Engine, text

from bench.console_data import STATES, _pool, _shares, _weights
from bench.sync_county import TOWNSHIPS
from county.services import stats_aggregates

END = date(2026, 11, 27)
DAYS = 730
OPEN_FOR_DAYS = 90
CHUNK = 200_000
SINCE = datetime(2024, 10, 1, tzinfo=UTC)


def point_code(n: int) -> str:
    """0003 … 9998, then A000, A001 … (letters and digits)."""
    if n < 9999:
        return f"{n:04d}"
    n -= 9999
    alphabet = string.ascii_uppercase + string.digits
    return string.ascii_uppercase[n // 36**3 % 26] + "".join(alphabet[n // 36**k % 36] for k in (2, 1, 0))


def _copy(raw, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    if not lines:
        return
    with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
        copy.write("".join(lines))


def _secondary_indexes(raw) -> list[tuple[str, str]]:
    with raw.cursor() as cur:
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'case' AND i.schemaname = "
            "current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        return list(cur.fetchall())


def generate(engine: Engine, cases: int, points: int, seed: int = 23) -> dict:
    """Fill a migrated, empty database (its townships may already be there); returns timings in seconds."""
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    with engine.begin() as conn:
        stats_aggregates.set_maintained(conn, False)
        towns = {name: tid for tid, name in conn.execute(text("SELECT id, name FROM township"))}
        for name in TOWNSHIPS:
            if name not in towns:
                towns[name] = conn.execute(
                    text("INSERT INTO township (name, created_at) VALUES (:n, :at) RETURNING id"),
                    {"n": name, "at": SINCE},
                ).scalar_one()
        first_point = (conn.execute(text("SELECT coalesce(max(id), 0) FROM point")).scalar_one() or 0) + 1
        first_account = (conn.execute(text("SELECT coalesce(max(id), 0) FROM account")).scalar_one() or 0) + 1
    pool = [(b["item_code"], b["flow"], b["points"], b["mode"], b["applicant_kind"]) for b, *_ in _pool(rng)]
    town_ids = [towns[name] for name in TOWNSHIPS]
    per_town = _shares(points, _weights(rng, len(town_ids), 0.4))
    point_towns = [t for t, n in zip(town_ids, per_town, strict=True) for _ in range(n)]
    raw = engine.raw_connection()
    try:
        dropped = _secondary_indexes(raw.driver_connection)
        with raw.cursor() as cur:
            for name, _definition in dropped:
                cur.execute(f'DROP INDEX "{name}"')
        raw.commit()
        point_lines, account_lines, device_lines = [], [], []
        pids = []
        for n, township in enumerate(point_towns):
            pid, aid = first_point + n, first_account + n
            pids.append(pid)
            code = point_code(pid + 2)  # codes 0001, 0002 … are the bench's enrolled points'
            point_lines.append(
                f"{pid}\t{code}\t生成代办点{pid}\tshop\t{township}\tactive\t{SINCE.isoformat()}\t\t\t\t\tf\n"
            )
            account_lines.append(f"{aid}\t{pid}\t王秀英\tactive\t{SINCE.isoformat()}\n")
            seen = datetime(2026, 11, 27, 1, tzinfo=UTC) - timedelta(hours=rng.expovariate(1 / 60))
            device_lines.append(
                f"d{pid:031d}\t{pid}\t{aid}\t1\t{'0' * 64}\tBENCH-PC\tactive\t0.1.0\t{SINCE.isoformat()}\t"
                f"{seen.isoformat()}\t0\t{'0' * 64}\tf\t0\t{'t' if rng.random() < 0.01 else 'f'}\n"
            )
        _copy(
            raw.driver_connection,
            "point",
            (
                "id",
                "code",
                "name",
                "kind",
                "township_id",
                "state",
                "created_at",
                "village",
                "address",
                "hours",
                "phone",
                "phone_public",
            ),
            point_lines,
        )
        _copy(raw.driver_connection, "account", ("id", "point_id", "name", "state", "created_at"), account_lines)
        _copy(
            raw.driver_connection,
            "device",
            (
                "id",
                "point_id",
                "account_id",
                "device_no",
                "token_hash",
                "label",
                "state",
                "app_version",
                "enrolled_at",
                "last_seen_at",
                "head_seq",
                "head_hash",
                "tampered",
                "clock_skew_seconds",
                "clock_wrong",
            ),
            device_lines,
        )
        raw.commit()
        timings["organisation"] = time.perf_counter() - start
        _cases(raw, rng, pids, cases, pool)
        timings["cases_copied"] = time.perf_counter() - start
        with raw.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in dropped:
                cur.execute(definition)
        raw.commit()
        timings["indexes_built"] = time.perf_counter() - start
    finally:
        raw.close()
    with engine.begin() as conn:
        for table in ("township", "point", "account"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    timings["analyzed"] = time.perf_counter() - start
    t = time.perf_counter()
    with engine.begin() as conn:
        stats_aggregates.set_maintained(conn, True)
        timings["aggregate_rows"] = sum(stats_aggregates.rebuild(conn).values())
    timings["rebuild"] = time.perf_counter() - t
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE stats_month_point"))
        conn.execute(text("VACUUM ANALYZE stats_month_item"))
    return {k: round(v, 1) for k, v in timings.items()}


CASE_COLUMNS = (
    "case_id", "point_id", "device_id", "receipt_no", "item_code", "flow", "points", "mode", "applicant_kind", "state",
    "business_date", "recorded_at", "completed_at", "completed_month", "credited_at", "credit_month", "disqualified",
    "materials_signed_at",
)  # fmt: skip


def _cases(raw, rng: random.Random, pids: list[int], total: int, pool: list[tuple]) -> None:
    days = [END - timedelta(days=DAYS - i) for i in range(DAYS)]
    day_text = [d.isoformat() for d in days]
    day_cum = list(accumulate(0.4 + i / DAYS for i in range(DAYS)))
    state_of = {flow: ([s for s, _ in pairs], list(accumulate(w for _, w in pairs))) for flow, pairs in STATES.items()}
    recent = DAYS - OPEN_FOR_DAYS
    lines: list[str] = []
    mail: list[str] = []
    for pid, count in zip(pids, _shares(total, _weights(rng, len(pids), 0.7)), strict=True):
        device = f"d{pid:031d}"
        chosen = sorted(rng.choices(range(DAYS), cum_weights=day_cum, k=count))
        forms = rng.choices(pool, k=count)
        draws = [rng.random() for _ in range(count)]
        for serial, (di, (item, flow, pts, mode, kind), draw) in enumerate(zip(chosen, forms, draws, strict=True)):
            names, cum = state_of[flow]
            state = names[bisect(cum, draw * cum[-1])]
            if di < recent and state not in ("completed", "returned", "voided"):
                state = "completed"
            day = day_text[di]
            at = f"{day}T09:{serial % 60:02d}:00.000+08:00"
            done = credit = month = signed = r"\N"
            if state == "completed":
                later = 0 if flow == "payment" else 1 + serial % 12
                done_day = days[min(di + later, DAYS - 1)]
                done = f"{done_day.isoformat()}T16:00:00.000+08:00"
                month = credit = done[:7]
            if flow == "approval" and state not in ("recorded", "voided"):
                signed = f"{days[min(di + 1, DAYS - 1)].isoformat()}T10:00:00.000+08:00"
            dq = "t" if state == "completed" and draw * 1000 % 1 < 0.002 else "f"
            lines.append(
                f"c{pid:07d}{serial:08d}\t{pid}\t{device}\tR{serial:09d}\t{item}\t{flow}\t{pts}\t{mode}\t{kind}\t{state}"
                f"\t{day}\t{at}\t{done}\t{month}\t{done}\t{credit}\t{dq}\t{signed}\n"
            )
            if draw * 100 % 1 < 0.04:
                mail.append(f"m{pid:07d}{serial:08d}\t{pid}\toutbound\tdelivered\t{day}\n")
        if len(lines) >= CHUNK:
            _copy(raw.driver_connection, "case", CASE_COLUMNS, lines)
            _copy(
                raw.driver_connection,
                "mailing",
                ("mailing_id", "point_id", "direction", "state", "business_date"),
                mail,
            )
            raw.commit()
            lines, mail = [], []
    _copy(raw.driver_connection, "case", CASE_COLUMNS, lines)
    _copy(raw.driver_connection, "mailing", ("mailing_id", "point_id", "direction", "state", "business_date"), mail)
    raw.commit()
