"""The console's and the 专区's security and cache headers (county.web.SecurityHeaders), over real routes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from county.web import CSP, PUBLIC_CSP
from tests.county.web.zhuanqu import make_zhuanqu


@pytest.fixture
def client(county_engine):
    with TestClient(make_zhuanqu(county_engine).app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def test_console_pages_get_the_consoles_headers_and_are_not_stored(client):
    page = client.get("/console/login")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP and page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    static = client.get("/console/static/console.css")
    assert static.status_code == 200 and static.headers["content-security-policy"] == CSP
    assert "no-store" not in static.headers.get("cache-control", "")


def test_public_pages_get_the_public_headers_and_a_route_keeps_its_own_cache_control(client):
    form = client.get("/ssb/q")
    assert form.headers["content-security-policy"] == PUBLIC_CSP and "script-src" not in PUBLIC_CSP
    assert form.headers["cache-control"] == "private, max-age=300"  # the route's own, not replaced
    assert "x-frame-options" not in form.headers and form.headers["referrer-policy"] == "no-referrer"
    missing = client.get("/ssb/p/9999")
    assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"
    css = client.get("/ssb/static/zhuanqu.css")
    assert css.status_code == 200 and css.headers["cache-control"] == "public, max-age=86400"
    assert [name for name, _value in form.headers.multi_items()].count("content-security-policy") == 1


def test_the_api_gets_none_of_them(client):
    health = client.get("/healthz")
    assert health.status_code == 200 and "content-security-policy" not in health.headers
