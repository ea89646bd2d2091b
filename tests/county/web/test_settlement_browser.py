"""The settlement journey in a real browser: the bureau runs and publishes a quarter, the township records a
hand-out, the bureau corrects it; every page checked by axe-core and photographed at both sizes."""

from __future__ import annotations

import pytest

from tests.county.web.conftest import CHROMIUM
from tests.county.web.settlement_seed import q3_cases
from tests.county.web.test_browser import Path, look, page, sign_in, site  # noqa: F401

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]


def test_the_bureau_settles_a_quarter_and_the_township_hands_it_out(console, site, page):
    with console.county.session() as db:
        q3_cases(db, console)
        db.commit()
    sign_in(page, site, "bureau.clerk")
    page.wait_for_url("**/console/")
    page.click("nav >> text=季度结算")
    look(page, "settlements-bureau")
    page.fill("#quarter", "2026-Q3")
    page.fill("#value", "0.5")
    page.click("button:has-text('计算草稿')")
    page.wait_for_selector("text=（草稿）")
    look(page, "settlement-draft")
    page.click("button:has-text('发布第 1 版')")
    page.wait_for_selector("text=发放清单（PDF）")
    assert "30.00" in page.inner_text("main") and "3.00" in page.inner_text("main")
    page.context.clear_cookies()
    sign_in(page, site, "township.a")
    page.wait_for_url("**/console/")
    page.click("nav >> text=季度结算")
    page.click("main a:has-text('2026-Q3')")
    assert console.b.point_code not in page.inner_text("main")
    page.fill("input[name=handed_on]", "2026-11-27")
    page.fill("input[name=receiver]", "张三")
    page.click("button:has-text('登记发放')")
    page.wait_for_selector("text=张三 已领取")
    look(page, "settlement-township")
    page.context.clear_cookies()
    sign_in(page, site, "bureau.clerk")
    page.wait_for_url("**/console/")
    page.click("nav >> text=季度结算")
    page.click("main a:has-text('2026-Q3')")
    page.fill("#value", "0.6")
    page.fill("#reason", "县局重新核定每积分折合金额")
    page.click("button:has-text('生成更正版本')")
    page.wait_for_selector("text=与第 1 版的差异")
    look(page, "settlement-correction")
    page.context.clear_cookies()
    sign_in(page, site, "finance")
    page.wait_for_url("**/console/")
    page.click("nav >> text=季度结算")
    assert "计算草稿" not in page.inner_text("main")
    look(page, "settlements-finance")
