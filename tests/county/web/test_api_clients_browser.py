"""The bureau registers a department's system as an API client in a real browser, copies its token once, and
rotates and revokes it; the token works on the data exchange until then (docs/data-api.md)."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
import requests

from tests.county.web.conftest import CHROMIUM, TOTP_SECRET
from tests.county.web.test_browser import look, page, sign_in, site  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]


def feed_status(site: str, token: str) -> int:
    response = requests.get(f"{site}/api/v1/exchange/cases", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return response.status_code


def test_the_bureau_registers_rotates_and_revokes_an_api_client(console, site, page):
    sign_in(page, site, "bureau.admin")
    page.wait_for_url("**/console/totp")
    page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    page.click("nav >> text=接口客户端")
    look(page, "api-clients")
    page.fill("#name", "县医保局业务系统")
    page.check("input[name=codes][value=ybj]")
    page.check("input[name=write_statuses]")
    page.click("text=登记并生成令牌")
    token = page.inner_text("#api-token")
    assert token.startswith("ssbx_") and len(token) == 48
    look(page, "api-token")
    assert feed_status(site, token) == 200

    page.click("text=查看这个客户端")
    page.click("text=换发令牌")
    fresh = page.inner_text("#api-token")
    assert fresh != token and feed_status(site, token) == 401 and feed_status(site, fresh) == 200
    page.click("text=查看这个客户端")
    look(page, "api-client")
    page.click("text=停用客户端")
    page.wait_for_selector("text=已停用")
    assert feed_status(site, fresh) == 403
