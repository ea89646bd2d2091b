"""The kinds of service unit in a real browser: the bureau adds a trained member to a helper team and prints the
member's own activation code, and schedules an outlet's weekly activity day, which the 专区 then shows; every
page checked by axe-core and photographed at both sizes."""

from __future__ import annotations

import pytest

from tests.county.web.conftest import CHROMIUM
from tests.county.web.test_browser import Path, look, page, sign_in, site  # noqa: F401
from tests.county.web.test_public_browser import _check_and_save
from tests.county.web.test_units import unit

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]


def test_the_bureau_adds_a_team_member_and_an_outlets_activity_day(console, site, page):
    team = unit(console, "team", "瑶里村帮代办队伍", trained=("张丽",))
    outlet = unit(console, "outlet", "瑶里邮政网点")
    sign_in(page, site, "bureau.clerk")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/points/{team}")
    page.click("#unit-kind a")
    page.fill("#member-name", "张丽")
    page.fill("#member-covers", "一组、二组、三组")
    look(page, "team-add")
    page.click("button:has-text('加入并生成激活码')")
    assert len(page.inner_text("#activation-code").strip()) >= 8
    assert "张丽" in page.inner_text("main")
    page.goto(f"{site}/console/points/{team}/team")
    row = page.inner_text("tbody")
    assert "一组、二组、三组" in row and "已培训" in row and "0 台" in row
    look(page, "team")

    page.goto(f"{site}/console/points/{outlet}")
    assert "合作网点" in page.inner_text("#unit-kind")
    assert page.inner_text("h1").startswith("合作网点 ")  # the heading names the kind, not 代办点
    look(page, "point-outlet")
    page.click("#unit-kind a")
    page.select_option("#day-weekday", label="周三")
    page.fill("#day-starts", "9:00")
    page.fill("#day-ends", "12:00")
    page.fill("#day-place", "营业厅大堂")
    page.click("button:has-text('保存活动日')")
    page.wait_for_selector("text=每周三 9:00–12:00（营业厅大堂）")
    look(page, "activity")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{site}/ssb/p/{outlet}")
    assert "每周三 9:00–12:00（营业厅大堂）" in page.inner_text("main")
    _check_and_save(page, "outlet-point")
