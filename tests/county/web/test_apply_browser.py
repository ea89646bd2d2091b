"""A new point's whole way in, in real browsers: applied for on the 专区 from a phone with JavaScript off (with a
photo of the premises), passed by the township (乡镇初审), approved by the bureau (县局审核), its agent's training
recorded (培训), and only then an account with its activation code. Every page is checked by axe-core and saved
(docs/screenshots/zhuanqu at 360×640 and 1366×768, docs/screenshots/console at 1366×768 and 390×844)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.clock import china_today
from tests.county.applications_data import AGENT_ID, AGENT_PHONE, tiny_png
from tests.county.web import test_browser as console_shots
from tests.county.web.conftest import CHROMIUM
from tests.county.web.test_consult_browser import look_public, site  # noqa: F401  (the running app)

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]


def _desk(browser, site: str, username: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    console_shots.sign_in(page, site, username)
    page.wait_for_url("**/console/")
    return context, page


def test_applied_on_the_zhuanqu_reviewed_trained_then_given_a_code(console, site, browser, tmp_path):
    photo = tmp_path / "门头.png"
    photo.write_bytes(tiny_png(40, 30))
    phone = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN", java_script_enabled=False)
    villager = phone.new_page()
    villager.set_default_timeout(10_000)
    villager.goto(f"{site}/ssb/")
    villager.click("text=申请开设代办点")
    look_public(browser, site, villager.content(), "apply-form")
    villager.fill("#shop_name", "绕南村便民超市")
    villager.fill("#agent_name", "程桂兰")
    villager.fill("#phone", AGENT_PHONE)
    villager.fill("#id_number", AGENT_ID)
    villager.select_option("#township_id", label="瑶里镇")
    villager.fill("#village", "绕南村")
    villager.fill("#address", "绕南村一组 18 号")
    villager.set_input_files("#photos", str(photo))
    villager.click("button[type=submit]")
    number, check = villager.inner_text("#number"), villager.inner_text("#check")
    assert number.startswith("SQ") and len(check) == 6
    look_public(browser, site, villager.content(), "apply-done")
    villager.click("text=查申请进度")
    villager.fill("#n", number)
    villager.fill("#c", check)
    villager.click("button[type=submit]")
    assert villager.inner_text("#state") == "待乡镇初审"
    look_public(browser, site, villager.content(), "apply-status")

    desk, clerk = _desk(browser, site, console.users["township_a"].username)
    clerk.click("nav >> text=申请")
    assert clerk.inner_text("#waiting-count") == "1"
    console_shots.look(clerk, "applications-township")
    clerk.click(f"text={number}")
    assert "138****5678" in clerk.inner_text("main") and AGENT_PHONE not in clerk.content()
    clerk.wait_for_function("document.querySelector('.photos img').complete")  # loaded, or failed to
    assert clerk.evaluate("document.querySelector('.photos img').naturalWidth") == 40  # the photo shows
    console_shots.look(clerk, "application-township")
    clerk.check("input[name=decision][value=pass]")
    clerk.click("text=提交初审结果")
    assert "初审通过" in clerk.inner_text("#done")
    clerk.goto(f"{site}/console/applications/new")
    console_shots.look(clerk, "application-paper")
    desk.close()

    desk, bureau = _desk(browser, site, console.users["bureau_clerk"].username)
    bureau.click("nav >> text=申请")
    bureau.click(f"text={number}")
    bureau.check("input[name=decision][value=approve]")
    bureau.click("text=提交审核结果")
    assert "代办点已建好" in bureau.inner_text("#done")
    assert bureau.inner_text("#trained") == "还没有培训记录"
    console_shots.look(bureau, "application-approved")
    bureau.click("#point-link")
    point_page = bureau.url
    bureau.fill("#agent-name", "程桂兰")
    bureau.click("text=新建账号并生成激活码")
    assert "还没有参加过培训" in bureau.inner_text("main .msg")  # no code for an untrained agent
    assert bureau.locator("#activation-code").count() == 0
    console_shots.look(bureau, "point-untrained")

    bureau.click("nav >> text=培训")
    bureau.fill("#held_on", china_today().isoformat())
    bureau.fill("#place", "瑶里镇政府二楼会议室")
    bureau.fill("#trainer", "张老师")
    bureau.click("text=保存培训")
    bureau.select_option("#application", label=f"{number} 绕南村便民超市 · 程桂兰")
    bureau.click("form:has(#application) button")
    assert "已记下" in bureau.inner_text("#done")
    console_shots.look(bureau, "training")
    bureau.click("nav >> text=培训")
    console_shots.look(bureau, "trainings")

    bureau.goto(point_page)
    bureau.fill("#agent-name", "程桂兰")
    bureau.click("text=新建账号并生成激活码")
    assert len(bureau.inner_text("#activation-code")) == 14
    bureau.goto(point_page)
    assert f"{china_today()} 已培训" in bureau.inner_text("main")
    desk.close()

    villager.goto(f"{site}/ssb/sq/s?n={number}&c={check}")
    assert villager.inner_text("#state") == "县局审核通过"
    look_public(browser, site, villager.content(), "apply-approved")
    phone.close()


def test_a_returned_application_is_fixed_from_the_phone(console, site, browser):
    from county.services import applications
    from county.services.scope import Scope
    from county.services.staff import StaffRole
    from tests.county.applications_data import make_form

    with console.county.session() as db:
        row, check = applications.submit(db, console.county.box, make_form(db), [], source="zhuanqu", actor="public")
        applications.township_review(
            db,
            Scope(StaffRole.TOWNSHIP, township_id=row.township_id),
            row.id,
            "return",
            "详细地址请写到门牌号，并补一张门头照片",
            actor="staff:township.a",
        )
        db.commit()
        number = row.number
    phone = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN", java_script_enabled=False)
    villager = phone.new_page()
    villager.set_default_timeout(10_000)
    villager.goto(f"{site}/ssb/sq/s")
    villager.fill("#n", number)
    villager.fill("#c", check)
    villager.click("button[type=submit]")
    assert "已退回" in villager.inner_text("#state") and "门牌号" in villager.inner_text("#reason")
    look_public(browser, site, villager.content(), "apply-returned")
    villager.click("text=按原因修改申请")
    assert villager.input_value("#address") == "绕南村一组 18 号" and villager.input_value("#phone") == ""
    look_public(browser, site, villager.content(), "apply-fix")
    villager.fill("#agent_name", "程桂兰")
    villager.fill("#phone", AGENT_PHONE)
    villager.fill("#id_number", AGENT_ID)
    villager.fill("#address", "绕南村一组 18 号（村部对面）")
    villager.click("button[type=submit]")
    assert "修改已提交" in villager.inner_text("#done") and villager.inner_text("#state") == "待乡镇初审"
    phone.close()
