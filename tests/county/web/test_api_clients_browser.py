"""The bureau registers a department's system as an API client in a real browser, copies its token once, and
rotates and revokes it; the token works on the data exchange until then (docs/data-api.md)."""

from __future__ import annotations

import random
from pathlib import Path

import pyotp
import pytest
import requests

from county.api.webhook_worker import WebhookWorker
from county.services import changes, webhooks
from tests.county.test_webhooks import StepClock, receivers  # noqa: F401  (fixture)
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


def test_the_bureau_sets_a_webhook_sees_its_secret_once_and_a_failed_delivery(console, site, page, receivers):
    """A loopback receiver that always answers 500: after the last attempt the console shows the failure and its
    error, and 立即重新发送 puts it back in line."""
    clock = StepClock()
    receiver = receivers(clock=clock, failures=99)
    sign_in(page, site, "bureau.admin")
    page.wait_for_url("**/console/totp")
    page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/api-clients/{console.api_client_id}")
    page.click("text=设置与发送记录")
    page.fill("#url", receiver.url)
    page.click("text=保存地址并生成签名密钥")
    receiver.secret = page.inner_text("#webhook-secret")
    assert receiver.secret.startswith("whsec_")
    page.reload()  # shown once: the page never shows it again
    assert receiver.secret not in page.content() and page.query_selector("#webhook-secret") is None

    with console.county.session() as db:  # the department's case changes: one notification to send
        changes.touch(db, [console.a.approval["case_id"]])
        db.commit()
    worker = WebhookWorker(
        console.county.session, box=console.county.box, clock=clock, name="console-test", rng=random.Random(1)
    )
    for _ in range(webhooks.MAX_ATTEMPTS):
        clock.advance(webhooks.MAX_DELAY_S)
        worker.run_once()
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS and not receiver.bad  # every one signed right
    page.reload()
    assert "发送失败" in page.inner_text("main") and "HTTP 500" in page.inner_text("main")
    assert page.inner_text("main").count("失败，稍后重试") == webhooks.MAX_ATTEMPTS - 1
    look(page, "api-webhook")
    page.click("text=立即重新发送")
    page.wait_for_selector("text=有待发通知")
