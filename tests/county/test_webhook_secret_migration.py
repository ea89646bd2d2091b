"""Migration 0026 on a county whose API client already has a webhook secret in clear (SQLite and PostgreSQL): the
upgrade adds the sealed column, the first start with the key seals the secret and empties the clear column, and
the notification it signs verifies with the secret the bureau was shown before the upgrade; the downgrade runs."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from county.db import alembic_config, make_engine, upgrade
from county.services import pii_keys, webhooks
from county.services.pii import PiiBox, new_key
from tests.county.conftest import PG_UNAVAILABLE
from tests.county.db_templates import PG_URL

BEFORE = "0025_statements"
SHOWN = "whsec_" + "Q" * 43  # what the bureau was shown, and the receiver holds


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_at_0025(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'county.db'}")
        command.upgrade(alembic_config(engine), BEFORE)
        yield engine
        engine.dispose()
        return
    if PG_UNAVAILABLE:
        pytest.skip(PG_UNAVAILABLE)
    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(PG_URL, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        command.upgrade(alembic_config(engine), BEFORE)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _row(engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT * FROM api_client")).mappings().one())


def test_a_clear_secret_is_sealed_at_the_first_start_after_the_upgrade(engine_at_0025):
    engine = engine_at_0025
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as conn:  # as version 0025 left a client with notifications
        conn.execute(
            text(
                "INSERT INTO api_client (name, kind, scope_kind, scope_codes, read_cases, read_pii, write_statuses,"
                " token_hash, token_prefix, state, created_at, expires_at, webhook_url, webhook_secret, webhook_set_at)"
                " VALUES ('省一体化平台', 'province', 'all', '[]', true, false, false, :hash, 'ssbx_abcd', 'active',"
                " :now, :now, 'https://prov.example/hook', :secret, :now)"
            ),
            {"hash": "0" * 64, "now": now, "secret": SHOWN},
        )
    upgrade(engine)
    assert _row(engine)["webhook_secret"] == SHOWN and _row(engine)["webhook_secret_sealed"] is None

    box = pii_keys.attach(PiiBox(new_key()), engine)  # the first start with the key
    row = _row(engine)
    assert row["webhook_secret"] is None and SHOWN not in " ".join(str(v) for v in row.values())
    secret = webhooks.open_secret(box, row["id"], row["webhook_secret_sealed"])
    payload = b'{"type":"cases.changed","change_seq":1}'
    assert webhooks.headers(secret, 1_800_000_000, payload) == webhooks.headers(SHOWN, 1_800_000_000, payload)

    command.downgrade(alembic_config(engine), BEFORE)  # the way back runs on both databases
    assert "webhook_secret_sealed" not in _row(engine)
