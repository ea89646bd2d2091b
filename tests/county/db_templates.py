"""County databases migrated once per test process, which each test copies (fourteen migrations take a second;
a SQLite file copy or a PostgreSQL ``CREATE DATABASE … TEMPLATE`` a fraction of it). The fixtures are registered
in tests/conftest.py, so the counter's tests that start a county get them too."""

from __future__ import annotations

import os
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


def _database_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name
