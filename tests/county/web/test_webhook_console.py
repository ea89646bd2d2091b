"""The webhook settings of an API client in the console, without a browser: a plain-http URL off this machine is
refused in words and nothing is saved; the secret is shown once and never again."""

from __future__ import annotations

import pytest

from county.models import ApiClient
from tests.county.web.conftest import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


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
        secret = db.get(ApiClient, console.api_client_id).webhook_secret
    assert secret in shown.text
    again = client.get(where)
    assert "scjg.example.gov.cn" in again.text and secret not in again.text
    renewed = client.post(f"{where}/secret", data={"csrf": token})
    with console.county.session() as db:
        fresh = db.get(ApiClient, console.api_client_id).webhook_secret
    assert fresh != secret and fresh in renewed.text and secret not in renewed.text
    assert client.post(f"{where}/remove", data={"csrf": token}).status_code == 303
    with console.county.session() as db:
        gone = db.get(ApiClient, console.api_client_id)
        assert gone.webhook_url is None and gone.webhook_secret is None
