"""Quarterly settlement (季度结算) of a province-sized county on PostgreSQL: 20,000 points, millions of cases.

The cases are written straight into a database of its own (``settlebench_<cases>``, created and dropped) with
``COPY``, not pushed through ingest, with the case table's secondary indexes dropped during the load and built
again after it. What is realistic: 18 townships; cases per point skewed (log-normal, so a few percent of points
go over the 1,000 monthly cap in some month); item classes 1–5 weighted towards the small ones; Q3 cases spread
over July–September on working hours; about 1.5% voided, 3.5% still open (never completed), 0.5% late
completions credited into the next month, 0.2% disqualified. Before Q3, Q2 (a fifth of the cases) is settled by
the same code and marked published, with 1% of points held by pending fraud reviews (released in Q3, once
cleared); then 0.2% of Q2's paid cases are disqualified (收回奖补 in Q3), and 0.5% of points get an open serious
inspection finding and 0.5% a pending fraud review (held in Q3).

Measured: ``settlement.run`` for Q3 and its commit, ``--runs`` times, each a fresh draft (the Q3 rows of the
run before deleted and vacuumed away, not timed; the identical hash each time), the peak RSS of this process during each run (VmHWM, reset before
the run), and optionally a cProfile of one more run. Usage:

    python -m bench.settlement_bench --cases 5000000 --runs 3 --profile
    python -m bench.settlement_bench --cases 5000000 --runs 3 --keep     # keep the generated database, then
    python -m bench.settlement_bench --cases 5000000 --runs 3 --reuse    # time it again without generating
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.sync_county import TOWNSHIPS
from county.db import make_engine, upgrade
from county.models import (
    FraudReview,
    Inspection,
    InspectionFinding,
    Point,
    Settlement,
    SettlementAward,
    SettlementClawback,
    SettlementLine,
    Township,
)
from county.services import bulk, settlement
from sync.ledger.events import CHINA_TZ, format_time

OUT = Path(__file__).resolve().parent / "out"
ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
CLASS_WEIGHTS = (30, 30, 20, 10, 10)  # item classes 1..5
CREATED = datetime(2025, 12, 1, tzinfo=UTC)
CASE_COLUMNS = [
    "case_id",
    "point_id",
    "device_id",
    "receipt_no",
    "item_code",
    "flow",
    "points",
    "mode",
    "applicant_kind",
    "state",
    "business_date",
    "recorded_at",
    "completed_at",
    "completed_month",
    "credited_at",
    "credit_month",
    "credit_flag",
    "disqualified",
    "disqualify_reason",
    "not_offered",
]
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _code(i: int) -> str:
    """4 characters per point: digits for the first 10,000, then letters (a province needs more than 4 digits)."""
    if i < 10_000:
        return f"{i:04d}"
    n = i - 10_000
    return "A" + "".join(_B36[(n // 36**k) % 36] for k in (2, 1, 0))


def _hwm_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: reset the peak RSS (VmHWM) to the current RSS


def _hwm_mb() -> float:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1]) / 1024
    return float("nan")


def _organisation(session: Session, n_points: int, rng: random.Random) -> list[tuple[int, str]]:
    now = CREATED
    bulk.insert_rows(
        session,
        Township.__table__,
        [{"id": i + 1, "name": name, "created_at": now} for i, name in enumerate(TOWNSHIPS)],
    )
    points = []
    codes = set()
    for i in range(n_points):
        code = _code(i)
        assert code not in codes
        codes.add(code)
        points.append(
            {
                "id": i + 1,
                "code": code,
                "name": f"第{i + 1}号代办点",
                "kind": "shop",
                "township_id": rng.randrange(len(TOWNSHIPS)) + 1,
                "state": "active",
                "created_at": now,
                "village": "",
                "address": "",
                "hours": "",
                "phone": "",
                "phone_public": False,
            }
        )
    bulk.insert_rows(session, Point.__table__, points)
    return [(p["id"], p["code"]) for p in points]


def _per_point(total: int, n_points: int, rng: random.Random) -> list[int]:
    weights = [math.exp(rng.gauss(0, 1.0)) for _ in range(n_points)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % n_points] += 1
    return counts


def _case_lines(points, counts, months: tuple[str, str, str], prefix: str, rng: random.Random):
    """Tab-separated COPY lines of one quarter's cases, in chunks."""
    classes = [c for c, w in zip(range(1, 6), CLASS_WEIGHTS, strict=True) for _ in range(w)]
    serial = 0
    chunk: list[str] = []
    for (point_id, code), n in zip(points, counts, strict=True):
        for _ in range(n):
            serial += 1
            month = months[rng.randrange(3)]
            year, mon = int(month[:4]), int(month[5:])
            day = date(year, mon, rng.randint(1, 28))
            done = datetime(year, mon, day.day, 8, tzinfo=CHINA_TZ) + timedelta(seconds=rng.randrange(10 * 3600))
            roll = rng.random()
            state, completed, credited, flag, disq = "completed", done, done, r"\N", "f"
            if roll < 0.015:
                state = "voided"
            elif roll < 0.035:
                state, completed, credited = "recorded", None, None
            elif roll < 0.05:
                state, completed, credited = "in_review", None, None
            elif roll < 0.055:  # completed offline at the end of the month before, credited when received
                completed = datetime(year, mon, 1, 9, tzinfo=CHINA_TZ) - timedelta(days=rng.randint(1, 3))
                flag = "late"
            elif roll < 0.057:
                disq = "t"
            recorded = (completed or done) - timedelta(minutes=rng.randint(1, 30))
            points_class = classes[rng.randrange(len(classes))]
            c_at = format_time(completed) if completed else r"\N"
            c_month = f"{completed:%Y-%m}" if completed else r"\N"
            cr_at = format_time(credited) if credited else r"\N"
            cr_month = f"{credited:%Y-%m}" if credited else r"\N"
            reason = "同一身份证同日重复办理，违规刷单" if disq == "t" else r"\N"
            chunk.append(
                f"{prefix}{serial:010d}\t{point_id}\tdev{point_id}\t{code}-{prefix}{serial:09d}\tI{points_class}\tpayment\t"
                f"{points_class}\tagent\tperson\t{state}\t{day.isoformat()}\t{format_time(recorded)}\t{c_at}\t{c_month}\t"
                f"{cr_at}\t{cr_month}\t{flag}\t{disq}\t{reason}\tf\n"
            )
            if len(chunk) >= 100_000:
                yield "".join(chunk)
                chunk = []
    if chunk:
        yield "".join(chunk)


def _copy_cases(url: str, lines) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn, conn.cursor() as cur:
        with cur.copy(f'COPY "case" ({", ".join(CASE_COLUMNS)}) FROM STDIN') as copy:
            for block in lines:
                copy.write(block)
        conn.commit()


def _secondary_indexes(conn) -> list[tuple[str, str]]:
    return conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = '\"case\"'::regclass)"
        )
    ).all()


def generate(engine, url: str, n_points: int, n_cases: int, seed: int) -> dict:
    rng = random.Random(seed)
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        points = _organisation(session, n_points, rng)
    with engine.begin() as conn:
        indexes = _secondary_indexes(conn)
        for name, _ddl in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    q2, q3 = n_cases // 5, n_cases
    _copy_cases(url, _case_lines(points, _per_point(q2, n_points, rng), settlement.quarter_months("2026-Q2"), "b", rng))
    _copy_cases(url, _case_lines(points, _per_point(q3, n_points, rng), settlement.quarter_months("2026-Q3"), "c", rng))
    loaded = time.perf_counter()
    with engine.begin() as conn:
        for _name, ddl in indexes:
            conn.execute(text(ddl))
    indexed = time.perf_counter()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return {
        "copy_s": round(loaded - started, 1),
        "indexes_s": round(indexed - loaded, 1),
        "analyze_s": round(time.perf_counter() - indexed, 1),
        "q2_cases": q2,
        "q3_cases": q3,
        "secondary_indexes": len(indexes),
    }


def _reviews(session: Session, point_ids: list[int], state: str) -> None:
    now = datetime(2026, 9, 20, tzinfo=UTC)
    session.add_all(FraudReview(point_id=p, state=state, opened_at=now, updated_at=now) for p in point_ids)


def _findings(session: Session, point_ids: list[int]) -> None:
    for p in point_ids:
        visit = Inspection(
            point_id=p,
            kind="bureau",
            inspected_on=date(2026, 9, 15),
            inspector="县局督查组",
            checklist={},
            note="",
            created_by="bench",
            created_at=datetime(2026, 9, 15, tzinfo=UTC),
        )
        session.add(visit)
        session.flush()
        session.add(
            InspectionFinding(
                inspection_id=visit.id,
                point_id=p,
                severity="serious",
                description="代办员未核验申请人身份即代为办理",
                fix_required="逐件补核身份",
                fix_days=10,
                fix_due=date(2026, 9, 30),
            )
        )


def prepare_q2(engine, n_points: int, seed: int) -> dict:
    """Q2 settled by the same code and published; then what happens between the quarters."""
    rng = random.Random(seed + 1)
    ids = list(range(1, n_points + 1))
    held_q2 = rng.sample(ids, n_points // 100)
    with Session(engine) as session, session.begin():
        _reviews(session, held_q2, "open")
    with Session(engine) as session, session.begin():
        start = time.perf_counter()
        row = settlement.run(session, "2026-Q2", "0.42", actor="bench")
        q2_seconds = time.perf_counter() - start
        q2_id = row.id
        session.execute(text("UPDATE settlement SET state = 'published', published_by = 'bench', published_at = now()"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE fraud_review SET state = 'cleared', decided_at = now(), decided_by = 'bench'"))
        conn.execute(
            text(
                "UPDATE \"case\" SET disqualified = true, disqualify_reason = '复核认定为刷单，取消积分' "
                "WHERE case_id IN (SELECT case_id FROM settlement_award WHERE settlement_id = :s AND points > 0 "
                "AND hashtext(case_id) % 500 = 0)"
            ),
            {"s": q2_id},
        )
    rest = [p for p in ids if p not in set(held_q2)]
    fraud_q3, findings_q3 = rng.sample(rest, n_points // 200), rng.sample(rest, n_points // 200)
    with Session(engine) as session, session.begin():
        _reviews(session, fraud_q3, "open")
        _findings(session, findings_q3)
    return {"q2_run_s": round(q2_seconds, 1), "held_q2": len(held_q2), "held_q3_fraud": len(fraud_q3)}


def drop_q3(engine) -> None:
    """Each timed run starts from the same state: no Q3 version, its rows vacuumed away (not timed)."""
    with engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM settlement WHERE quarter = '2026-Q3'")).scalars().all()
        for table in ("settlement_award", "settlement_clawback", "settlement_release", "settlement_line"):
            conn.execute(text(f"DELETE FROM {table} WHERE settlement_id = ANY(:ids)"), {"ids": list(ids)})
        conn.execute(text("DELETE FROM settlement WHERE id = ANY(:ids)"), {"ids": list(ids)})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE settlement_award"))


def one_run(engine) -> tuple[float, float, str]:
    drop_q3(engine)
    _hwm_reset()
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        row = settlement.run(session, "2026-Q3", "0.45", actor="bench")
        digest = row.content_hash
    return time.perf_counter() - start, _hwm_mb(), digest


def figures(engine) -> dict:
    with Session(engine) as session:
        q3 = session.scalar(select(Settlement).where(Settlement.quarter == "2026-Q3"))
        lines = session.scalars(select(SettlementLine).where(SettlementLine.settlement_id == q3.id)).all()
        return {
            "lines": len(lines),
            "awards": session.scalar(select(func.count()).where(SettlementAward.settlement_id == q3.id)),
            "held": sum(1 for line in lines if line.hold_reason),
            "released_from_q2": sum(1 for line in lines if line.released != "0.00"),
            "over_cap_points": sum(1 for line in lines if any(m["raw"] > m["capped"] for m in line.months.values())),
            "clawbacks": session.scalar(select(func.count()).where(SettlementClawback.settlement_id == q3.id)),
            "owed_out_points": sum(1 for line in lines if line.owed_out != "0.00"),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=5_000_000, help="Q3's cases (Q2 gets a fifth of this)")
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--profile", action="store_true", help="cProfile one more run")
    parser.add_argument("--keep", action="store_true", help="keep the database (dropped by default)")
    parser.add_argument("--reuse", action="store_true", help="use the kept database as it is (Q2 settled)")
    args = parser.parse_args(argv)
    name = f"settlebench_{args.cases}"
    url = URL.format(name=name)
    if not args.reuse:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(url)
    result: dict = {
        "cases": args.cases,
        "points": args.points,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        upgrade(engine)
        if args.reuse:
            result["reused"] = True
        else:
            result["generate"] = generate(engine, url, args.points, args.cases, args.seed)
            print("generated", result["generate"], flush=True)
            result["q2"] = prepare_q2(engine, args.points, args.seed)
            print("q2", result["q2"], flush=True)
        runs = []
        for _ in range(args.runs):
            seconds, peak, digest = one_run(engine)
            runs.append({"seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1), "hash": digest})
            print("run", runs[-1], flush=True)
        result["runs"] = runs
        result["median_s"] = statistics.median(r["seconds"] for r in runs)
        result["max_peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        result["identical_hash"] = len({r["hash"] for r in runs}) == 1
        result["figures"] = figures(engine)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            one_run(engine)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(18)
            result["profile"] = out.getvalue()
            print(result["profile"])
    finally:
        engine.dispose()
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    OUT.mkdir(exist_ok=True)
    path = OUT / f"settlement_bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "profile"}, ensure_ascii=False, indent=1))
    print("written", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
