"""The county side of the sync benchmark: fresh databases, provisioned devices, the endpoint in a child process."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bench.sync_load import APP_VERSION, Device
from county.api.workers import default_count
from county.config import Limits, Settings
from county.db import make_engine, upgrade
from county.models import LedgerEvent
from county.services import admin, enrolment
from county.services.pii import new_key
from sync.wire import EnrolRequest

# a bench database of its own when several benches share one server (BENCH_PG_URL)
PG_URL = os.environ.get("BENCH_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent
TOWNSHIPS = [
    "浮梁镇",
    "鹅湖镇",
    "经公桥镇",
    "蛟潭镇",
    "湘湖镇",
    "瑶里镇",
    "洪源镇",
    "寿安镇",
    "三龙镇",
    "王港乡",
    "庄湾乡",
    "兴田乡",
    "江村乡",
    "黄坛乡",
    "峙滩镇",
    "勒功乡",
    "西湖乡",
    "储田乡",
]  # 18, as in Fuliang
START_TIMEOUT_S = 60.0
WORKERS = default_count()  # endpoint processes, as `suishenban-county serve` starts by default


def engine_for(url: str, schema: str | None) -> Engine:
    if schema:
        return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return make_engine(url)


def postgres_version() -> str:
    import psycopg

    try:
        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"


@contextmanager
def county_db(kind: str, workdir: Path) -> Iterator[tuple[str, str | None, Engine]]:
    """A fresh, migrated county database: a SQLite file in ``workdir`` or a private PostgreSQL schema."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'county-{secrets.token_hex(4)}.db'}"
        engine = make_engine(url)
        upgrade(engine)
        try:
            yield url, None, engine
        finally:
            engine.dispose()
        return
    schema = f"bench_{secrets.token_hex(5)}"
    admin_engine = make_engine(PG_URL, pool_size=1, max_overflow=0)
    with admin_engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = engine_for(PG_URL, schema)
    try:
        upgrade(engine)
        yield PG_URL, schema, engine
    finally:
        engine.dispose()
        with admin_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


def new_points(engine: Engine, n: int) -> list[str]:
    """``n`` points, each with an account and a fresh activation code, spread over the 18 townships."""
    codes = []
    with Session(engine, expire_on_commit=False) as session:
        for name in TOWNSHIPS:
            if not session.scalar(text("SELECT id FROM township WHERE name = :n").bindparams(n=name)):
                admin.create_township(session, name, actor="bench")
        for i in range(n):
            point = admin.create_point(
                session,
                f"{TOWNSHIPS[i % 18].removesuffix('镇').removesuffix('乡')}村小卖部{i}",
                TOWNSHIPS[i % 18],
                actor="bench",
            )
            account = admin.create_account(
                session, point.code, "王秀英", actor="bench", override_reason="压测用的代办点，没有真人"
            )
            codes.append(admin.issue_activation_code(session, account.id, ttl=timedelta(hours=2), actor="bench").code)
        session.commit()
    return codes


def provision(engine: Engine, n: int) -> list[Device]:
    """``n`` points with one enrolled device each, enrolled through the county's own service."""
    devices, settings = [], Settings()
    for code in new_points(engine, n):
        with Session(engine, expire_on_commit=False) as session:
            result = enrolment.enrol(
                session,
                EnrolRequest(
                    activation_code=code,
                    device_label="BENCH-PC",
                    app_version=APP_VERSION,
                    device_time="2026-11-27T09:30:00.000+08:00",
                ),
                client="127.0.0.1",
                settings=settings,
            )
        devices.append(Device(result.device_id, result.device_token, result.point.code, result.device_no))
    return devices


def ledger_counts(engine: Engine) -> dict[str, int]:
    with Session(engine, expire_on_commit=False) as session:
        total, distinct = session.execute(select(func.count(), func.count(func.distinct(LedgerEvent.event_id)))).one()
        by_status = dict(session.execute(select(LedgerEvent.status, func.count()).group_by(LedgerEvent.status)).all())
    return {"rows": total, "distinct_ids": distinct, **by_status}


class CountyServer:
    """``suishenban-county serve`` as a child process on 127.0.0.1, a free port: uvicorn with ``workers``
    processes (as many as cores, like `serve`), or one process when profiled."""

    def __init__(
        self, url: str, schema: str | None, *, profile: Path | None = None, keep_alive: int = 5, workers: int = WORKERS
    ):
        workers = 1 if profile else workers  # cProfile sees one process
        command = [
            sys.executable,
            "-m",
            "bench.sync_county",
            "--url",
            url,
            "--keep-alive",
            str(keep_alive),
            "--workers",
            str(workers),
        ]
        command += ["--schema", schema] if schema else []
        command += ["--profile", str(profile)] if profile else []
        self.proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._first_line()
        self.port = json.loads(line)["port"]
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the county endpoint did not answer /healthz")

    def _first_line(self) -> str:
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        if not box or not box[0].strip():
            self.stop()
            raise RuntimeError("the county endpoint did not start")
        return box[0]

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the server process and its worker processes."""
        return sum(self.cpu_by_process().values())

    def cpu_by_process(self) -> dict[int, float]:
        """User + system CPU seconds so far of the server process and each of its worker processes, by pid."""
        found, pids = {}, [self.proc.pid]
        while pids:
            pid = pids.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:  # the process ended meanwhile
                continue
            found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            pids += [int(child) for child in children]
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # the child stops serving when its stdin closes
                self.proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, OSError):
                self.proc.kill()  # only the child we started, by its own handle
                self.proc.wait(timeout=10)

    def __enter__(self) -> CountyServer:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def _watch(server, deadline: float) -> None:
    """Child process helper: print {"port": N} once listening, then stop the server when stdin closes."""
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    if server.started:
        print(json.dumps({"port": server.servers[0].sockets[0].getsockname()[1]}), flush=True)
        sys.stdin.read()  # until the parent closes our stdin
    server.should_exit = True


def _profiled_pushes(profiles: list) -> None:
    """Profile each push's worker-thread part too (cProfile sees only the thread that enabled it)."""
    import cProfile

    from county.api import routes

    original, lock = routes._push, threading.Lock()

    def push(*args, **kwargs):
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            return original(*args, **kwargs)
        finally:
            profiler.disable()
            with lock:
                profiles.append(profiler)

    routes._push = push


def bench_settings(url: str) -> Settings:
    """The endpoint's settings: the keys from BENCH_COUNTY_PII_KEY / BENCH_COUNTY_QR_KEY when a benchmark needs
    to read what it stored (bench.console_bench), else a fresh personal-data key per process."""
    turns = os.environ.get("BENCH_WORKING_PUSHES")  # to compare: pushes one process works on at once
    return Settings(
        database_url=url,
        pii_key=os.environ.get("BENCH_COUNTY_PII_KEY") or new_key(),
        qr_key=os.environ.get("BENCH_COUNTY_QR_KEY", ""),
        limits=Limits(working_pushes=int(turns)) if turns else Limits(),
    )


def bench_app():
    """The app each worker process builds (uvicorn factory): database and schema from the environment."""
    from county.api.app import create_app, settle_collector

    url, schema = os.environ["BENCH_COUNTY_URL"], os.environ.get("BENCH_COUNTY_SCHEMA") or None
    app = create_app(bench_settings(url), engine_for(url, schema))
    settle_collector()  # as suishenban-county serve does
    return app


def _serve_workers(config_options: dict, workers: int) -> int:
    """Child process with worker processes, as `suishenban-county serve` runs them (county.api.workers):
    bind the port here, announce it, stop everything when stdin closes."""
    from county.api.workers import Workers

    options = {k: v for k, v in config_options.items() if k not in ("host", "port", "backlog")}
    pool = Workers(
        "bench.sync_county:bench_app",
        options,
        workers,
        host=config_options["host"],
        port=config_options["port"],
        backlog=config_options["backlog"],
    )
    print(json.dumps({"port": pool.start()}), flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), pool.stop()), daemon=True).start()
    pool.supervise()
    return 0


def _serve(url: str, schema: str | None, profile: str | None, keep_alive: int, workers: int) -> int:
    """Child process: serve (the event loop in the main thread) until stdin closes."""
    import cProfile
    import pstats

    import uvicorn

    from county.api.app import create_app, settle_collector

    options = dict(
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        access_log=False,
        backlog=4096,
        timeout_keep_alive=keep_alive,
        server_header=False,
    )
    if workers > 1:
        os.environ.update(BENCH_COUNTY_URL=url, BENCH_COUNTY_SCHEMA=schema or "")
        return _serve_workers(options, workers)
    app = create_app(bench_settings(url), engine_for(url, schema))
    settle_collector()
    server = uvicorn.Server(uvicorn.Config(app, **options))
    threading.Thread(target=_watch, args=(server, time.monotonic() + START_TIMEOUT_S), daemon=True).start()
    if not profile:
        server.run()
        return 0
    workers: list = []
    _profiled_pushes(workers)
    main = cProfile.Profile()
    main.enable()
    server.run()
    main.disable()
    stats = pstats.Stats(main)
    for profiler in workers:
        stats.add(profiler)
    stats.dump_stats(profile)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="county endpoint for the sync benchmark (child process)")
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--profile")
    parser.add_argument("--keep-alive", type=int, default=5, help="uvicorn's timeout_keep_alive (its default: 5 s)")
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help="endpoint processes (default: two per core, as serve starts)"
    )
    args = parser.parse_args()
    raise SystemExit(_serve(args.url, args.schema, args.profile, args.keep_alive, args.workers))
