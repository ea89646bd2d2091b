"""0029_console_indexes: the feed's existing case statuses and return mailings learn their case, so a case page finds
them by the case's own index; other feed items stay without one. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from county.db import alembic_config, upgrade

ROWS = [
    ("case_status", '{"case_id": "a1", "status": "accepted"}'),
    ("return_mailing", '{"case_id": "a1", "mailing_id": "m1"}'),
    ("case_status", '{"case_id": "b2", "status": "returned"}'),
    ("notice", '{"case_id": "c3", "title": "不是办件的通知"}'),
]


def test_the_migration_fills_the_case_of_existing_feed_items(county_engine):
    command.downgrade(alembic_config(county_engine), "0028_settlement_release")
    with county_engine.begin() as conn:
        for kind, payload in ROWS:
            conn.execute(
                text("INSERT INTO county_event (point_id, kind, payload, created_at) VALUES (1, :k, :p, :at)"),
                {"k": kind, "p": payload, "at": datetime(2026, 12, 1, tzinfo=UTC)},
            )
    upgrade(county_engine)
    with county_engine.connect() as conn:
        found = conn.execute(text("SELECT kind, case_id FROM county_event WHERE point_id = 1 ORDER BY id")).all()
    assert [tuple(row) for row in found] == [
        ("case_status", "a1"),
        ("return_mailing", "a1"),
        ("case_status", "b2"),
        ("notice", None),
    ]
