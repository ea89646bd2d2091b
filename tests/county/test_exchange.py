"""The data exchange end to end on loopback: client scopes, tokens, the cursor under concurrent ingest,
statuses sent back once and reaching the counter (docs/data-api.md)."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
import requests
import time_machine
from sqlalchemy import func, select

from bench.sync_county import provision
from bench.sync_load import case_drafts, push_request, seal_chain
from county.models import ApiCall, ApiClient, Case, CountyEvent, ExchangeStatus
from county.services import api_clients
from county.services.common import aware
from sync.client import SyncClient
from sync.ledger.catalogue import load_catalogue

PER_PAGE = 100


def register(county, name, scope_kind, codes, **permissions):
    with county.session() as session:
        issued = api_clients.register(
            session,
            name,
            "department",
            scope_kind,
            codes,
            read_pii=permissions.get("read_pii", False),
            write_statuses=permissions.get("write_statuses", False),
            actor="test",
        )
        session.commit()
        return issued.client.id, issued.token


def feed(county, token, cursor=0, limit=PER_PAGE):
    return requests.get(
        f"{county.base_url}/api/v1/exchange/cases",
        params={"cursor": cursor, "limit": limit},
        headers={"Authorization": f"Bearer {token}"} if token is not None else {},
        timeout=30,
    )


def walk(county, token) -> list[dict]:
    items, cursor = [], 0
    while True:
        response = feed(county, token, cursor)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["more"]:
            return items


def push_all(county, device, events, batch=50):
    client = SyncClient(county.base_url, device.token)
    for i in range(0, len(events), batch):
        result = client.push(push_request(device.device_id, events[i : i + batch]))
        assert not result.rejected


def cases_of(county, item_codes=None) -> set[str]:
    with county.session() as session:
        query = select(Case.case_id)
        if item_codes is not None:
            query = query.where(Case.item_code.in_(sorted(item_codes)))
        return set(session.scalars(query))


def test_two_clients_see_exactly_their_cases_masked_unless_allowed(county):
    catalogue = load_catalogue()
    (device,) = provision(county.engine, 1)
    push_all(county, device, seal_chain(case_drafts(catalogue, random.Random(3), 300), device))
    _a, market = register(county, "县市场监管局登记系统", "units", ["scjg"])
    _b, utility = register(county, "省缴费平台", "items", ["FL003", "FL004"], read_pii=True)

    seen_market, seen_utility = walk(county, market), walk(county, utility)
    market_items = {i.code for i in catalogue.items if "scjg" in i.guide.unit_codes}
    assert {c["case_id"] for c in seen_market} == cases_of(county, market_items) and seen_market
    assert {c["case_id"] for c in seen_utility} == cases_of(county, {"FL003", "FL004"}) and seen_utility
    for case in seen_market:
        assert case["applicant_masked"] and "*" in case["applicant"]["name"]
        assert [e["type"] for e in case["events"]] == ["case.recorded"]
        assert "pii" not in case["events"][0] and "name" not in case["events"][0]["body"]
    assert all(not c["applicant_masked"] and "*" not in c["applicant"]["name"] for c in seen_utility)
    assert [c["change_seq"] for c in seen_market] == sorted(c["change_seq"] for c in seen_market)

    with county.session() as session:  # every call logged, with counts and no personal data
        calls = session.scalars(select(ApiCall).order_by(ApiCall.id)).all()
        assert sum(c.count for c in calls) == len(seen_market) + len(seen_utility)
        assert {c.status for c in calls} == {200}


def test_a_revoked_token_is_refused_at_once_and_an_expired_one_too(county):
    client_id, token = register(county, "县医保局系统", "units", ["ybj"])
    assert feed(county, token).status_code == 200
    assert feed(county, "ssbx_" + "A" * 43).json()["error"]["code"] == "token_invalid"
    assert feed(county, None).status_code == 401

    with county.session() as session:  # rotation: the old token stops working with the commit
        fresh = api_clients.rotate(session, client_id, actor="test").token
        session.commit()
    assert feed(county, token).status_code == 401 and feed(county, fresh).status_code == 200

    with county.session() as session:
        api_clients.revoke(session, client_id, actor="test")
        session.commit()
    refused = feed(county, fresh)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "client_revoked"

    _other, short = register(county, "县人社局系统", "units", ["rsj"])
    with county.session() as session:
        expires_at = session.get(ApiClient, _other).expires_at
    later = aware(expires_at) + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        expired = feed(county, short)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "token_expired"
    with county.session() as session:
        refused = session.execute(select(ApiCall.code, ApiCall.client_id).where(ApiCall.status >= 400)).all()
    assert {"token_invalid", "token_missing", "client_revoked", "token_expired"} <= {code for code, _c in refused}
    # logged with the client the token belonged to: rotated out, revoked, expired; unknown ones with none
    assert [(code, who) for code, who in refused if who is not None] == [
        ("token_invalid", client_id),
        ("client_revoked", client_id),
        ("token_expired", _other),
    ]


def test_a_cursor_walk_during_concurrent_ingest_sees_each_case_once(county):
    """Three devices push 2,400 new cases through the endpoint while a client walks the feed; every case is
    delivered exactly once, none skipped, none repeated."""
    catalogue, per_device = load_catalogue(), 800
    devices = provision(county.engine, 3)
    chains = [
        seal_chain(case_drafts(catalogue, random.Random(n), per_device), device) for n, device in enumerate(devices)
    ]
    _id, token = register(county, "省一体化平台", "all", [])
    errors: list[BaseException] = []

    def pusher(device, events):
        try:
            push_all(county, device, events, batch=40)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=pusher, args=pair) for pair in zip(devices, chains, strict=True)]
    for thread in threads:
        thread.start()
    seen: list[str] = []
    cursor, pages_during_ingest = 0, 0
    while True:
        running = any(t.is_alive() for t in threads)
        page = feed(county, token, cursor, limit=150).json()
        seen += [c["case_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        pages_during_ingest += running and bool(page["items"])
        if not running and not page["more"]:
            break
    for thread in threads:
        thread.join()
    assert not errors
    assert len(seen) == len(set(seen)) == 3 * per_device
    assert set(seen) == cases_of(county)
    assert pages_during_ingest >= 3  # the walk really ran beside the pushes


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_client_without_the_permission_cannot_send_statuses(county):
    _id, token = register(county, "只读系统", "all", [])
    response = requests.post(
        f"{county.base_url}/api/v1/exchange/statuses",
        json={"statuses": [{"client_ref": "r1", "case_id": "0" * 32, "status": "accepted"}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "no_permission"
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(ExchangeStatus)) == 0
        assert (
            session.scalar(select(func.count()).select_from(CountyEvent).where(CountyEvent.kind == "case_status")) == 0
        )


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_reference_client_follows_the_feed_and_resumes_from_its_saved_cursor(county, tmp_path):
    from docs.examples.exchange_client import ExchangeClient, ExchangeError, sync_once

    catalogue = load_catalogue()
    (device,) = provision(county.engine, 1)
    events = seal_chain(case_drafts(catalogue, random.Random(5), 120), device)
    push_all(county, device, events[:70])
    _id, token = register(county, "省一体化平台", "all", [])
    client, cursor_file, seen = ExchangeClient(county.base_url, token), tmp_path / "cursor.txt", []
    assert sync_once(client, cursor_file, lambda case: seen.append(case["case_id"])) == 70
    push_all(county, device, events[70:])
    assert sync_once(client, cursor_file, lambda case: seen.append(case["case_id"])) == 50
    assert len(seen) == len(set(seen)) == 120 and set(seen) == cases_of(county)
    with pytest.raises(ExchangeError) as refused:
        client.send_statuses([{"client_ref": "r1", "case_id": seen[0], "status": "accepted"}])
    assert refused.value.code == "no_permission" and "权限" in refused.value.message


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_openapi_schema_describes_the_exchange_routes(county):
    schema = requests.get(f"{county.base_url}/openapi.json", timeout=30).json()
    cases = schema["paths"]["/api/v1/exchange/cases"]["get"]
    statuses = schema["paths"]["/api/v1/exchange/statuses"]["post"]
    assert cases["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/CasesPage")
    assert statuses["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/StatusResponse")
    assert statuses["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/StatusRequest")
    for route in (cases, statuses):
        assert {"401", "403", "422"} <= set(route["responses"])
        assert route["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResult")
    components = schema["components"]["schemas"]
    assert {"CasesPage", "ExchangeCase", "ExchangeEvent", "StatusRequest", "StatusUpdate", "StatusOutcome"} <= set(
        components
    )
    assert {p["name"] for p in cases["parameters"]} >= {"cursor", "limit", "Authorization"}
    # the webhook notification a client receives is in the schema too (OpenAPI 3.1 "webhooks")
    notice = schema["webhooks"]["cases.changed"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert notice["$ref"].endswith("/WebhookNotice") and "change_seq" in components["WebhookNotice"]["properties"]
