"""Alembic environment: migrations run on the engine the caller passes in (never a URL from a file)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from county.models import Base

target_metadata = Base.metadata
MIGRATION_LOCK = 0x5342_4D49  # a PostgreSQL advisory lock key of our own ("SBMI")


def run() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":  # instances started together migrate one after another
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            context.run_migrations()
        connection.commit()


run()
