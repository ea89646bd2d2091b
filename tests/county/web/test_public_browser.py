"""The public 专区 lookup in a real browser with JavaScript off: the receipt's QR address, a wrong code, the 大字
switch, each page checked by axe-core and photographed at 360×640 and 1366×768 (docs/screenshots/zhuanqu)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.county.conftest import start_server
from tests.county.web.conftest import CHROMIUM
from tests.county.web.zhuanqu import NOTE, make_zhuanqu

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "zhuanqu"
SIZES = {"phone": (360, 640), "wide": (1366, 768)}
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]


@pytest.fixture
def zq(county_engine):
    return make_zhuanqu(county_engine)


@pytest.fixture
def site(zq) -> Iterator[str]:
    server, thread, port = start_server(zq.app)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def look(page, name: str) -> None:
    """The page the script-less browser shows, opened again with its cookies where axe-core can run: no serious
    or critical violation; saved at both sizes (every 专区 page is a GET, so the same address shows the same)."""
    context = page.context.browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN")
    context.add_cookies(page.context.cookies())
    shown = context.new_page()
    shown.goto(page.url)
    try:
        _check_and_save(shown, name)
    finally:
        context.close()


def _check_and_save(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations, f"{name}: {violations}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{name}: wider than a phone"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)


def test_the_receipts_qr_opens_its_case_and_a_wrong_code_shows_nothing(zq, site, page):
    parts = urlsplit(zq.qr_url)
    response = page.goto(f"{site}{parts.path}?{parts.query}")
    assert response.status == 200
    assert page.inner_text("#state") == "审批中"
    assert NOTE in page.inner_text("main")
    look(page, "case")
    page.goto(f"{site}/ssb/q")
    look(page, "form")
    page.fill("#r", zq.site.approval["receipt_no"])
    page.fill("#c", "ZZZZZZ")
    page.click("button[type=submit]")
    assert "对不上" in page.inner_text("#message")
    assert "瑶里村小卖部" not in page.content()
    look(page, "wrong-code")
    page.click("text=大字")
    assert page.get_attribute("html", "class") == "large"
    page.fill("#r", zq.site.approval["receipt_no"])
    page.fill("#c", zq.code)
    page.click("button[type=submit]")
    assert page.inner_text("#state") == "审批中"
    assert page.get_attribute("html", "class") == "large"  # the switch stayed set
    look(page, "case-large")
