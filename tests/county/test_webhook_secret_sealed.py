"""A webhook's signing secret at rest: only sealed in the database, shown once, and still signing after the
secrets of older versions are sealed at start, after a new data key re-seals it and after the master key changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from county.models import ApiClient
from county.services import pii_keys, webhooks
from county.services.pii import SEAL, PiiBox, PiiError, new_key, sealed_key_no
from tests.county.test_exchange import register
from tests.county.test_webhooks import Receiver, StepClock, hook, ingest, worker


def _raw_row(county, client_id: int) -> str:
    """Every column of the client's row as the database holds it, as one string."""
    with county.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_client WHERE id = :id"), {"id": client_id}).one()
    return " ".join(str(value) for value in row)


def test_the_secret_is_stored_sealed_and_the_delivery_verifies_with_the_one_shown(county):
    client_id, _token = register(county, "县市场监管局登记系统", "all", [])
    receiver = Receiver(clock=StepClock())
    try:
        hook(county, client_id, receiver)  # the secret shown to the bureau this once
        shown = receiver.secret
        assert shown.startswith(webhooks.SECRET_PREFIX)
        assert shown not in _raw_row(county, client_id) and shown[len(webhooks.SECRET_PREFIX) :] not in _raw_row(
            county, client_id
        )
        with county.session() as session:
            held = session.get(ApiClient, client_id)
            assert held.webhook_secret is None and sealed_key_no(held.webhook_secret_sealed) >= 1
            moved = held.webhook_secret_sealed
        other, _t = register(county, "县医保局系统", "all", [])
        with county.session() as session:  # a sealed secret copied to another client does not open there
            session.execute(update(ApiClient).where(ApiClient.id == other).values(webhook_secret_sealed=moved))
            session.commit()
        with pytest.raises(PiiError):
            webhooks.open_secret(county.box, other, moved)

        ingest(county, 10)
        receiver.clock.advance(1)
        assert worker(county, receiver.clock, "w").run_once().count("sent") >= 1
        assert receiver.received and not receiver.bad  # verified with the secret shown, not read from the table
    finally:
        receiver.close()


def test_a_clear_secret_from_an_older_version_is_sealed_at_start_and_survives_key_changes(county):
    client_id, _token = register(county, "省一体化平台", "all", [])
    legacy = "whsec_" + "k" * 43
    with county.session() as session:  # as version 0025 left it: the URL set, the secret in clear
        session.execute(
            update(ApiClient)
            .where(ApiClient.id == client_id)
            .values(webhook_url="https://prov.example/hook", webhook_secret=legacy)
        )
        session.commit()
    assert legacy in _raw_row(county, client_id)

    box = pii_keys.attach(PiiBox(county.settings.pii_key), county.engine)  # the next start
    assert legacy not in _raw_row(county, client_id)
    with county.session() as session:
        held = session.get(ApiClient, client_id)
        assert (
            held.webhook_secret is None and webhooks.open_secret(box, client_id, held.webhook_secret_sealed) == legacy
        )
    assert pii_keys.seal_clear_webhook_secrets(county.engine, box) == 0  # a second start: nothing to do

    with county.session() as session:  # a new data key: the secret re-sealed with it in the batch walk
        key_no = pii_keys.new_data_key(session, box, SEAL, actor="t")
        session.commit()
    pii_keys.reseal(county.engine, box, actor="t", batch=1)
    with county.session() as session:
        sealed = session.scalar(select(ApiClient.webhook_secret_sealed).where(ApiClient.id == client_id))
    assert sealed_key_no(sealed) == key_no and webhooks.open_secret(box, client_id, sealed) == legacy

    new_master = new_key()  # the master key changes: data keys re-wrapped, the row untouched
    with county.session() as session:
        rotating = pii_keys.attach(PiiBox(new_master, county.settings.pii_key), county.engine)
        assert pii_keys.rotate_master(session, rotating, actor="t") >= 1
        session.commit()
    alone = pii_keys.attach(PiiBox(new_master), county.engine)
    with county.session() as session:
        assert session.scalar(select(ApiClient.webhook_secret_sealed).where(ApiClient.id == client_id)) == sealed
    secret = webhooks.open_secret(alone, client_id, sealed)
    payload = b'{"type":"cases.changed"}'
    assert webhooks.headers(secret, 1_800_000_000, payload) == webhooks.headers(legacy, 1_800_000_000, payload)
