"""Connections to the encrypted ledger file: SQLCipher key, WAL and synchronous=FULL on every one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 5000


class StoreOpenError(Exception):
    """The file is not a ledger this key opens: wrong key, not a database, or damaged beyond reading."""


def connect_raw(path: Path, key: str) -> sqlcipher.Connection:
    """One DB-API connection with the key applied first and the durability pragmas set."""
    conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is reported by us, not on stderr
        conn.execute(f"PRAGMA key = {key}")
        conn.execute("PRAGMA cipher_memory_security = OFF")
        # Reading the schema is the first access that needs the key: a wrong key fails here.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreOpenError(f"cannot switch the ledger to WAL (journal_mode={mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA secure_delete = ON")  # purged personal data is overwritten, not left in free pages
    except sqlcipher.DatabaseError as exc:
        conn.close()
        raise StoreOpenError(str(exc)) from exc
    return conn


def connect_readonly(path: Path, key: str) -> sqlcipher.Connection:
    """A read-only connection that writes nothing, not even the journal mode: for checking copies and salvage.

    A missing file is an error here, never a new empty database."""
    if not path.is_file():
        raise StoreOpenError(f"{path.name}: no such file")
    conn = sqlcipher.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
    )
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {key}")
        conn.execute("PRAGMA cipher_memory_security = OFF")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA temp_store = MEMORY")
    except sqlcipher.DatabaseError as exc:
        conn.close()
        raise StoreOpenError(str(exc)) from exc
    return conn


def make_engine(path: Path, key: str) -> Engine:
    """An engine whose transactions are real SQLite transactions: BEGIN IMMEDIATE in write(), else DEFERRED."""
    engine = create_engine(
        "sqlite://",
        module=sqlcipher,
        creator=lambda: connect_raw(path, key),
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=2,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("write", False) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction: takes the write lock at once, commits or rolls back whole."""
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read transaction: a consistent snapshot that never blocks the writer (WAL)."""
    with engine.connect() as conn, conn.begin():
        yield conn
