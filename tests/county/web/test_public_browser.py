"""The public 专区 lookup in a real browser with JavaScript off: the receipt's QR address, a wrong code, the 大字
switch, each page checked by axe-core and photographed at 360×640 and 1366×768 (docs/screenshots/zhuanqu)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.county.conftest import start_server
from tests.county.web.conftest import CHROMIUM
from tests.county.web.zhuanqu import NEWS, NOTE, PRIVATE_PHONE, PUBLIC_PHONE, furnish, make_zhuanqu

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


def test_every_reading_page_works_without_script_and_passes_axe(zq, site, page):
    """Home → each section by its links, as a villager would tap through on a phone with scripts off."""
    furnished = furnish(zq)
    page.goto(f"{site}/ssb/")
    assert page.locator("#r").count() == 1  # the lookup form is on the home page
    look(page, "home")
    page.click("nav >> text=政策资讯")
    assert NEWS["today"] in page.inner_text("main") and NEWS["future"] not in page.inner_text("main")
    look(page, "news")
    page.click(f"text={NEWS['past']}")
    assert "2026年11月1日至12月31日" in page.inner_text("main")
    look(page, "news-item")
    page.click("nav >> text=办事事项")
    look(page, "items")
    page.click("text=个体工商户设立登记")
    assert "示例" in page.inner_text("#sample")
    assert page.locator("ol.flow li").count() == 6
    look(page, "item")
    page.click("nav >> text=代办点")
    look(page, "points")
    page.click("main >> text=经公桥镇")
    assert "经公桥村便民店" in page.inner_text("main") and PRIVATE_PHONE not in page.inner_text("main")
    page.click("text=全县各乡镇")
    page.click("main >> text=瑶里镇")
    assert PUBLIC_PHONE in page.inner_text("main")
    look(page, "points-township")
    page.click("text=瑶里村小卖部")
    assert page.url.endswith(f"/ssb/p/{zq.site.point_code}")
    look(page, "point")
    page.click("nav >> text=办件统计")
    assert "少于5" in page.inner_text("main")
    look(page, "counts")
    page.click("main >> text=经公桥镇")
    assert "经公桥镇" in page.inner_text("h1")
    look(page, "counts-township")
    page.goto(f"{site}/ssb/p/{furnished.revoked_code}")
    look(page, "missing")
    page.goto(f"{site}/ssb/items/FL015")
    page.click("text=大字")
    assert page.get_attribute("html", "class") == "large" and page.url.endswith("/ssb/items/FL015")
    look(page, "item-large")
    for path in ("/ssb/", "/ssb/items/FL015", f"/ssb/p/{zq.site.point_code}", "/ssb/counts"):
        response = page.goto(f"{site}{path}")
        assert len(response.body()) < 100_000, path
