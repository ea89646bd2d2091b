"""Alembic environment: migrations run on the engine the caller passes in (never a URL from a file)."""

from __future__ import annotations

from alembic import context

from county.models import Base

target_metadata = Base.metadata


def run() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
