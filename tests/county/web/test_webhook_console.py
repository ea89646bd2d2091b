"""The webhook settings of an API client in the console, without a browser: a plain-http URL off this machine is
refused in words and nothing is saved; the secret is shown once and never again."""

from __future__ import annotations

import pytest

from county.models import ApiClient
from county.services import webhooks
from tests.county.web.conftest import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


def _secret(console, db) -> str:
    """The secret as the worker opens it; the row holds it only sealed."""
    client = db.get(ApiClient, console.api_client_id)
    assert client.webhook_secret is None and client.webhook_secret_sealed.startswith("2:")
    return webhooks.open_secret(console.county.box, client.id, client.webhook_secret_sealed)


def test_a_plain_http_url_is_refused_and_the_secret_is_shown_once(console):
    client = console.client()
    assert sign_in(client, console.users["bureau_clerk"].username).status_code == 303
    token = csrf_of(client.get("/console/").text)
    where = f"/console/api-clients/{console.api_client_id}/webhook"

    refused = client.post(where, data={"csrf": token, "url": "http://dept.example/hook"})
    assert refused.status_code == 400 and "必须用 https" in refused.text
    with console.county.session() as db:
        assert db.get(ApiClient, console.api_client_id).webhook_url is None  # nothing half-written

    shown = client.post(where, data={"csrf": token, "url": "https://scjg.example.gov.cn/hooks/ssb"})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    with console.county.session() as db:
        secret = _secret(console, db)
    assert secret in shown.text
    again = client.get(where)
    assert "scjg.example.gov.cn" in again.text and secret not in again.text
    renewed = client.post(f"{where}/secret", data={"csrf": token})
    with console.county.session() as db:
        fresh = _secret(console, db)
    assert fresh != secret and fresh in renewed.text and secret not in renewed.text
    assert client.post(f"{where}/remove", data={"csrf": token}).status_code == 303
    with console.county.session() as db:
        gone = db.get(ApiClient, console.api_client_id)
        assert gone.webhook_url is None and gone.webhook_secret_sealed is None and gone.webhook_secret is None
