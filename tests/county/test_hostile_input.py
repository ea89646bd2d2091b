"""Hostile input: NaN, duplicate keys, gzip bombs, huge integers, 10 MB bodies, deep nesting — 4xx only."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from county.models import Case, LedgerEvent
from desktop.services.activation import activate, sync_client_for
from sync.body_codec import DICT_ENCODING, compress
from sync.wire import PushRequest, event_to_wire
from tests.county.conftest import new_point
from tests.factories import PASSWORD, make_case_draft


@pytest.fixture
def device(county, tmp_path):
    """An enrolled device: its store, its credential header and one valid push body to mutate."""
    store = activate(county.base_url, new_point(county)["code"], tmp_path / "d", PASSWORD).store
    (ev,) = store.append(make_case_draft())
    good = PushRequest(
        device_id=store.identity.device_id,
        from_seq=1,
        prev_hash=ev.prev_hash,
        head_hash=ev.hash,
        events=[event_to_wire(ev)],
        app_version="test",
    ).model_dump(mode="json", exclude_none=True)
    header = {"Authorization": f"Device {sync_client_for(store).device_token}"}
    yield store, header, good
    store.close()


def nothing_stored(county) -> bool:
    with county.session() as session:
        return (
            session.scalar(select(func.count()).select_from(LedgerEvent)) == 0
            and session.scalar(select(func.count()).select_from(Case)) == 0
        )


def post(county, header, data: bytes, *, gz: bool = True, extra: dict | None = None):
    headers = {**header, "Content-Type": "application/json", **(extra or {})}
    if gz:
        data, headers["Content-Encoding"] = gzip.compress(data), "gzip"
    return requests.post(f"{county.base_url}/api/v1/push", data=data, headers=headers, timeout=30)


def hostile_bodies(good: dict) -> dict[str, bytes]:
    text = json.dumps(good, ensure_ascii=False, separators=(",", ":"))
    event = good["events"][0]
    nan_body = text.replace('"amount_fen":5000', '"amount_fen":NaN')
    assert nan_body != text
    return {
        "nan": nan_body.encode(),
        "infinity": text.replace('"amount_fen":5000', '"amount_fen":Infinity').encode(),
        "duplicate_keys": text.replace('{"device_id"', '{"device_id":"' + "0" * 32 + '","device_id"', 1).encode(),
        "huge_integer": text.replace('"amount_fen":5000', '"amount_fen":' + "9" * 30).encode(),
        "past_2_63": text.replace('"from_seq":1', f'"from_seq":{2**63}').encode(),
        "float_money": text.replace('"amount_fen":5000', '"amount_fen":50.5').encode(),
        "deep_nesting": text.replace('"notes":""', '"notes":' + "[" * 5000 + "]" * 5000).encode(),
        "not_json": b"\xff\xfe<html>",
        "wrong_types": json.dumps({**good, "events": "all"}).encode(),
        "extra_field": json.dumps({**good, "admin": True}).encode(),
        "empty_batch": json.dumps({**good, "events": []}).encode(),
        "lone_surrogate": text.replace('"notes":""', '"notes":"\\ud800"').encode(),
        "control_chars": json.dumps(
            {**good, "events": [{**event, "body": {**event["body"], "village": "瑶\u0000里"}}]}
        ).encode(),
    }


def test_hostile_bodies_get_4xx_and_store_nothing(county, device):
    _store, header, good = device
    for name, body in hostile_bodies(good).items():
        response = post(county, header, body)
        accepted = response.status_code == 200 and not response.json()["accepted"]
        assert 400 <= response.status_code < 500 or accepted, (name, response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("application/json"), name
    assert nothing_stored(county)


def test_a_gzip_bomb_is_stopped_at_the_limit(county, device):
    _store, header, _good = device
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]", compresslevel=9)
    assert len(bomb) < county.settings.limits.max_body_bytes
    response = post(county, header, bomb, gz=False, extra={"Content-Encoding": "gzip"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"
    assert nothing_stored(county)


def test_a_dictionary_deflate_bomb_is_stopped_at_the_limit_and_garbage_is_400(county, device):
    _store, header, _good = device
    bomb = compress(b"[" + b" " * (64 * 1024 * 1024) + b"]")
    assert len(bomb) < county.settings.limits.max_body_bytes
    response = post(county, header, bomb, gz=False, extra={"Content-Encoding": DICT_ENCODING})
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"
    response = post(county, header, b"not deflate at all", gz=False, extra={"Content-Encoding": DICT_ENCODING})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_gzip"
    assert nothing_stored(county)


def test_a_ten_megabyte_body_is_refused(county, device):
    _store, header, _good = device
    response = post(county, header, b"x" * (10 * 1024 * 1024), gz=False)
    assert response.status_code == 413
    assert nothing_stored(county)


def test_a_valid_push_is_accepted_after_all_that(county, device):
    _store, header, good = device
    response = post(county, header, json.dumps(good).encode())
    assert response.status_code == 200 and response.json()["accepted"] == [[1, 1]]


def test_the_api_never_answers_5xx_to_generated_requests(county, device):
    """Schemathesis generates requests from the published OpenAPI schema, for every operation."""
    _store, header, _good = device
    schema = schemathesis.openapi.from_url(f"{county.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/enrol", "/api/v1/push", "/api/v1/pull", "/api/v1/status"}
    for operation in operations:

        @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=None if case.path == "/api/v1/enrol" else header)
            assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:200])

        check()
    assert nothing_stored(county)


def test_every_refusal_has_one_http_status_and_services_name_none():
    from county.api.errors import HTTP_STATUS
    from county.errors import Refusal

    assert set(HTTP_STATUS) == set(Refusal)
    assert len(set(HTTP_STATUS.values())) == len(HTTP_STATUS)
    services = Path(__file__).resolve().parents[2] / "county" / "services"
    for path in services.glob("*.py"):  # no status code written in a service: they raise refusals by kind
        assert "status_code" not in path.read_text(encoding="utf-8"), path.name
