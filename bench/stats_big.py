"""The statistics page over a generated county of millions of cases on PostgreSQL, and ingest with and without
the running aggregates' triggers, in one process.

    .venv/bin/python -m bench.stats_bench --big 5000000 --points 20000 --rounds 20 --runs 3

A database of its own (``--pg-db``, dropped and created unless ``--reuse``): two points enrolled through the
county's service (for the ingest part), then ``bench.stats_data`` generates the county with COPY and rebuilds the
aggregates. Dashboards: ``statistics.dashboard`` for the bureau, the largest township and a department (four
items), ``--runs`` runs of ``--rounds`` rounds each after one warm-up; per run the p50 and p95 of wall ms and of
CPU ms (the process's plus its PostgreSQL backend's, read from /proc, parallel workers off so that the backend
does all the database's work), reported as the median over runs, beside the time of the timeliness and
sync-health tables alone, once a run. Ingest: ``ingest.push`` called directly (no HTTP), batches of 500
events for the two enrolled points, the triggers on for one batch and off for the next (``ALTER TABLE … DISABLE
TRIGGER``), alternating which point and which mode goes first; the rate is events per wall second per mode.
"""

from __future__ import annotations

import os
import random
import statistics as stats
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench import stats_data
from bench.console_load import percentile
from bench.history_bench import SetClock, _push_all
from bench.sync_county import PG_URL, provision
from bench.sync_load import APP_VERSION, Device, backlog_drafts, push_request, seal_chain
from county.config import Settings
from county.db import make_engine, upgrade
from county.models import Account, Case, Point, StatsMonthItem, StatsMonthPoint, Township
from county.services import admin, enrolment, statistics, stats_aggregates, stats_sync, stats_timeliness
from county.services.pii import PiiBox, new_key
from county.services.scope import Scope
from county.services.staff import StaffRole
from sync import clock as the_clock
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import parse_time
from sync.wire import EnrolRequest

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
BATCH = 500
DEPARTMENT_ITEMS = frozenset({"FL015", "FL016", "FL017", "FL018"})


def _url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def _fresh(name: str) -> None:
    admin = make_engine(PG_URL, pool_size=1, max_overflow=0)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _scopes(session: Session) -> dict[str, Scope]:
    biggest = session.execute(
        select(Point.township_id).group_by(Point.township_id).order_by(func.count().desc()).limit(1)
    ).scalar_one()
    return {
        "bureau": Scope(StaffRole.BUREAU_CLERK),
        "township": Scope(StaffRole.TOWNSHIP, township_id=biggest),
        "department": Scope(StaffRole.DEPARTMENT, item_codes=DEPARTMENT_ITEMS),
    }


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a local process (the PostgreSQL backend serving the bench's session)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dashboards(engine, rounds: int, runs: int) -> dict:
    out: dict = {}
    with Session(engine) as session:
        months = statistics.window(NOW)
        out["cases"] = session.scalar(select(func.count()).select_from(Case))
        out["cases_in_window"] = session.scalar(
            select(func.count()).select_from(Case).where(Case.business_date >= f"{months[0]}-01")
        )
        out["points"] = session.scalar(select(func.count()).select_from(Point))
        out["aggregate_rows"] = {
            "stats_month_point": session.scalar(select(func.count()).select_from(StatsMonthPoint)),
            "stats_month_item": session.scalar(select(func.count()).select_from(StatsMonthItem)),
        }
        # one backend, no parallel workers: its CPU time (from /proc) is then all the database's work for the page
        session.execute(text("SET max_parallel_workers_per_gather = 0"))
        backend = session.scalar(text("SELECT pg_backend_pid()"))
        for role, scope in _scopes(session).items():
            statistics.dashboard(session, scope, NOW)  # warm
            runs_out = []
            for _ in range(runs):
                wall, cpu = [], []
                for _ in range(rounds):
                    w, c, b = time.perf_counter(), time.process_time(), _cpu_of(backend)
                    board = statistics.dashboard(session, scope, NOW)
                    wall.append((time.perf_counter() - w) * 1000)
                    cpu.append((time.process_time() - c + _cpu_of(backend) - b) * 1000)
                w = time.perf_counter()  # the tables that read cases and devices, once a run
                towns = [(r.key, r.label) for r in board.tables["township"].rows]
                stats_timeliness.tables(session, scope, months, NOW, towns)
                if scope.whole_points:
                    stats_sync.table(session, scope, NOW, towns)
                runs_out.append(
                    {
                        "wall_p50": stats.median(wall),
                        "wall_p95": percentile(wall, 0.95),
                        "cpu_p50": stats.median(cpu),
                        "cpu_p95": percentile(cpu, 0.95),
                        "timeliness_sync_ms": (time.perf_counter() - w) * 1000,
                        "load": os.getloadavg()[0],
                    }
                )
            out[role] = {k: round(stats.median(r[k] for r in runs_out), 1) for k in runs_out[0]}
            out[role]["runs_wall_p95"] = [round(r["wall_p95"], 1) for r in runs_out]
            print(f"dashboard {role:10} {out[role]}", flush=True)
    return out


def ingest_on_off(engine, devices, batches: int, clock: SetClock) -> dict:
    box = PiiBox(new_key())
    requests = {}
    for n, device in enumerate(devices):
        drafts = backlog_drafts(load_catalogue(), random.Random(f"{device.device_id}"), batches * BATCH, 40)
        events = seal_chain(drafts, device)
        requests[device.device_id] = [
            push_request(device.device_id, events[i : i + BATCH]) for i in range(0, len(events), BATCH)
        ]
    totals = {"on": [0.0, 0], "off": [0.0, 0]}
    for device in devices:  # one batch each, untimed: the process's first statements, the triggers' plans
        _push_all(engine, device, [requests[device.device_id][0]], box, clock)
    for b in range(1, batches):
        order = [(devices[0], "on"), (devices[1], "off")] if b % 2 == 0 else [(devices[1], "on"), (devices[0], "off")]
        if b % 4 >= 2:
            order.reverse()
        for device, mode in order:
            with engine.begin() as conn:
                stats_aggregates.set_maintained(conn, mode == "on")
            request = requests[device.device_id][b]
            wall, _cpu, refused = _push_all(engine, device, [request], box, clock)
            totals[mode][0] += wall
            totals[mode][1] += len(request.events) - refused
    with engine.begin() as conn:
        stats_aggregates.set_maintained(conn, True)
    out = {
        mode: {"events": n, "seconds": round(w, 2), "events_per_s": round(n / w, 1)} for mode, (w, n) in totals.items()
    }
    out["on_over_off"] = round(out["on"]["events_per_s"] / out["off"]["events_per_s"], 3)
    print(f"ingest {out}", flush=True)
    return out


def enrol_two(engine) -> list[Device]:
    """Two more devices enrolled through the county's service: on the bench's own points of an earlier run (a new
    account each), or on two new points with the first free numeric codes (the generated points beyond 9,998
    have codes with letters, which ``admin.create_point`` cannot count on)."""
    with Session(engine) as session:
        used = set(session.scalars(select(Point.code)))
        town = session.scalar(select(Township.name).order_by(Township.id).limit(1))
        ours = list(session.scalars(select(Point.code).where(Point.name.like("压测代办点%")).order_by(Point.code)))
    free = [code for code in (f"{n:04d}" for n in range(1, 9999)) if code not in used]
    devices = []
    for n in range(2):
        with Session(engine, expire_on_commit=False) as session:
            if n < len(ours):
                code = ours[n]
            else:
                code = free.pop(0)
                admin.create_point(session, f"压测代办点{code}", town, code=code, actor="bench")
            taken = set(session.scalars(select(Account.name).join(Point).where(Point.code == code)))
            name = next(f"王秀{c}" for c in "英兰芳华梅琴珍霞凤娟" if f"王秀{c}" not in taken)
            account = admin.create_account(
                session, code, name, actor="bench", override_reason="压测用的代办点，没有真人"
            )
            activation = admin.issue_activation_code(session, account.id, ttl=timedelta(hours=2), actor="bench").code
            session.commit()
            result = enrolment.enrol(
                session,
                EnrolRequest(
                    activation_code=activation,
                    device_label="BENCH-PC",
                    app_version=APP_VERSION,
                    device_time="2026-11-27T09:30:00.000+08:00",
                ),
                client="127.0.0.1",
                settings=Settings(),
            )
        devices.append(Device(result.device_id, result.device_token, result.point.code, result.device_no))
    return devices


def run(cases: int, points: int, rounds: int, runs: int, name: str, reuse: bool, batches: int) -> dict:
    url = _url(name)
    catalogue = load_catalogue()
    first = parse_time(backlog_drafts(catalogue, random.Random(31), BATCH, 40)[0].occurred_at)
    clock = SetClock(first - timedelta(days=1))
    previous = the_clock.use_clock(clock)
    try:
        out: dict = {"database": name}
        if not reuse:
            _fresh(name)
        engine = make_engine(url)
        upgrade(engine)
        if not reuse:
            devices = provision(engine, 2)
            print(f"generating {cases} cases, {points} points into {name}", flush=True)
            out["generation_s"] = stats_data.generate(engine, cases, points)
            print(f"generated {out['generation_s']}", flush=True)
        else:
            devices = enrol_two(engine)
        out |= dashboards(engine, rounds, runs)
        if batches:
            out["ingest"] = ingest_on_off(engine, devices, batches, clock)
            # the batches pushed with the triggers off are not in the aggregates: the rebuild puts them in
            t = time.perf_counter()
            with engine.begin() as conn:
                stats_aggregates.rebuild(conn)
                kept = conn.execute(text("SELECT sum(cases) FROM stats_month_point")).scalar_one()
                counted = conn.execute(text("SELECT count(*) FROM \"case\" WHERE state <> 'voided'")).scalar_one()
            out["rebuild_after_ingest_s"] = round(time.perf_counter() - t, 1)
            out["aggregate_cases_equal_case_rows"] = kept == counted
            print(f"rebuilt in {out['rebuild_after_ingest_s']} s: {kept} cases counted, {counted} rows", flush=True)
        engine.dispose()
        return out
    finally:
        the_clock.use_clock(previous)
