"""County databases migrated once per test process, which each test copies (fourteen migrations take a second;
a SQLite file copy or a PostgreSQL ``CREATE DATABASE … TEMPLATE`` a fraction of it). The fixtures are registered
in tests/conftest.py, so the counter's tests that start a county get them too."""

from __future__ import annotations

import os
import queue
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from county.db import FEED_FLOOR_KIND, make_engine, upgrade

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def database_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A county database migrated once per test process; each test gets a copy (14 migrations take a second)."""
    path = tmp_path_factory.mktemp("template") / "county.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    _lower_feed_floor(engine)
    engine.dispose()  # the last connection closed: the WAL is folded into the file
    return path


def _lower_feed_floor(engine: Engine) -> None:
    """The template forgets the feed floor its own start raised: each test's start raises it by its own clock."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM county_event WHERE kind = :kind"), {"kind": FEED_FLOOR_KIND})
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('county_event', 'id'), 1, false)"))


class PostgresCopies:
    """Copies of the migrated template made ahead of need, and used ones dropped, by one background thread.

    ``CREATE DATABASE … TEMPLATE`` and ``DROP DATABASE`` each spend half a second mostly waiting on the disk;
    done here while the tests run, a test that asks for a database finds one ready (``take``) and gives it back
    (``drop``) without waiting for either."""

    AHEAD = 2

    def __init__(self, template: str) -> None:
        self.template = template
        self._admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._work: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="pg-copies", daemon=True)
        self._thread.start()
        for _ in range(self.AHEAD):
            self._work.put(("make", f"t_{secrets.token_hex(6)}"))

    def take(self) -> str:
        self._work.put(("make", f"t_{secrets.token_hex(6)}"))  # the next test's copy, made while this one runs
        made = self._ready.get(timeout=120)
        if isinstance(made, BaseException):
            raise made
        return made

    def drop(self, name: str) -> None:
        self._work.put(("drop", name))

    def close(self) -> None:
        self._work.put(None)
        self._thread.join(timeout=120)
        while not self._ready.empty():  # copies made ahead that no test took
            made = self._ready.get()
            if isinstance(made, str):
                self._execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')
        self._admin.dispose()

    def _run(self) -> None:
        while (job := self._work.get()) is not None:
            action, name = job
            try:
                if action == "make":
                    self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY WAL_LOG')
                    # a test's commits need not wait for the disk: nothing here survives a power cut anyway
                    self._execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
                    self._ready.put(name)
                else:
                    self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # handed to the test that waits for this copy
                if action == "make":
                    self._ready.put(exc)

    def _execute(self, statement: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(statement))


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A PostgreSQL database migrated once per test process, the template each test's database is made from."""
    name = f"ssb_template_{os.getpid()}"
    admin_engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(database_url(name))
    upgrade(engine)
    _lower_feed_floor(engine)
    engine.dispose()
    try:
        yield name
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@pytest.fixture(scope="session")
def postgres_copies(migrated_postgres) -> Iterator[PostgresCopies]:
    """Each PostgreSQL test's own database, a copy of the template made and dropped in the background."""
    copies = PostgresCopies(migrated_postgres)
    try:
        yield copies
    finally:
        copies.close()
