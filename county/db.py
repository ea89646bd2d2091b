"""The county database: engine per URL (SQLite file or PostgreSQL), sessions, and the schema via Alembic."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def owner_only(database: str | None) -> None:
    """Create the SQLite file readable and writable by its owner only (0600), or make an existing one so;
    SQLite gives its -wal and -shm files the database file's permissions."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    if os.name != "posix":
        return
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_uid == os.getuid() and file.stat().st_mode & 0o077:
            os.chmod(file, 0o600)


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        owner_only(engine.url.database)

        @event.listens_for(engine, "begin")
        def _begin(conn):  # a writer takes the lock at once; a read_session (sqlite_deferred) never takes it
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("sqlite_deferred") else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, pool_pre_ping=True, **kwargs)


class WriteGate:
    """One writer at a time on a SQLite file, across threads and processes, queued instead of polling.

    A second SQLite writer polls: its busy handler sleeps 1, 2, 5 … up to 100 ms between tries, so with
    several endpoint processes a waiting batch often sleeps on long after the lock came free, and the cores
    sit idle. Writers that pass this gate queue on a thread lock and an ``flock`` on a file beside the
    database, and the next one starts the moment the last one is done. PostgreSQL locks rows, not the
    database: there the gate lets everyone through. Where ``fcntl`` is missing (Windows, where the county
    runs only as the one-process training sandbox) it queues the threads of one process.
    """

    def __init__(self, path: Path):
        self._threads = threading.Lock()
        self._path = path
        self._idle = threading.Event()  # set while no thread of this process holds the gate
        self._idle.set()

    @classmethod
    def for_engine(cls, engine: Engine) -> WriteGate | None:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return cls(Path(database).with_name(Path(database).name + ".write-lock"))

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads, self._file_lock():
            self._idle.clear()
            try:
                yield
            finally:
                self._idle.set()

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """The ``flock`` that queues the other processes (nothing to take without ``fcntl``: one process)."""
        if fcntl is None:
            yield
            return
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the file releases the lock

    def writer_first(self) -> None:
        """Wait while a thread of this process holds the gate. Work done outside the gate (checking the next
        batch) calls this between events: the holder, which every process is queued behind, then has this
        process's interpreter to itself instead of a share of it, and the other core does the checking."""
        self._idle.wait()


@contextmanager
def write_gate(gate: WriteGate | None) -> Iterator[None]:
    """Hold ``gate`` if there is one (SQLite), else nothing to wait for."""
    if gate is None:
        yield
        return
    with gate.held():
        yield


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent) and raise the pull feed's floor; every process
    that opens the database for service (serve, the training county, an admin command) calls this first."""
    if schema_revision(engine) != head_revision():
        command.upgrade(alembic_config(engine), "head")
    raise_feed_floor(engine)


@cache
def head_revision() -> str:
    """The newest migration shipped with this code (read once per process: the scripts do not change)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for a new database. Read directly, so that a start on a
    database already at the head costs one query instead of loading every migration script."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


FEED_FLOOR_KIND = "feed_floor"  # a marker row that no device pulls (point -1 is nobody's)
IDS_PER_MS = 1000


def raise_feed_floor(engine: Engine) -> int:
    """Make every pull-feed item written from now on sort after every item the county ever handed out.

    A device pulls from the last cursor it was given. A county restored from an older backup would hand out
    those numbers again, and its counters would skip the new items (statuses, statements) up to their old
    cursor. So at each start the next feed id is raised to at least the time in milliseconds × 1000: above any
    id issued before, as long as the county wrote fewer than a thousand feed items a millisecond on average
    since its last start. Ids only ever go up; returns the floor now in force.
    """
    from sqlalchemy import func, select, text

    from county.models import CountyEvent
    from county.services.common import utcnow

    floor = int(utcnow().timestamp() * 1000) * IDS_PER_MS
    with engine.begin() as conn:
        top = conn.scalar(select(func.max(CountyEvent.id))) or 0
        if top >= floor:
            return top
        if conn.dialect.name == "postgresql":
            sequence = "pg_get_serial_sequence('county_event', 'id')"  # never lowered: a rolled-back id counts too
            conn.execute(text(f"SELECT setval({sequence}, GREATEST(:floor, nextval({sequence})))"), {"floor": floor})
        else:  # SQLite gives the next row max(id) + 1; two processes starting at once: the second finds it done
            conn.execute(
                CountyEvent.__table__.insert()
                .prefix_with("OR IGNORE")
                .values(id=floor, point_id=-1, kind=FEED_FLOOR_KIND, payload={}, created_at=utcnow())
            )
    return floor
