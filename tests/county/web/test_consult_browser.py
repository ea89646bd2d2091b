"""A consultation in real browsers: asked on the 专区 on a 360×640 phone with JavaScript off, answered by a
department clerk in the console, read back with the query code. Every page is checked by axe-core and saved
(docs/screenshots/zhuanqu at 360×640 and 1366×768, docs/screenshots/console at 1366×768 and 390×844)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from county.services import challenge
from tests.county.conftest import start_server
from tests.county.web import test_browser as console_shots
from tests.county.web.conftest import CHROMIUM

ZHUANQU_SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "zhuanqu"
PHONE_SIZES = {"phone": (360, 640), "wide": (1366, 768)}
QUESTION = "我想在村里开个小卖部，办个体工商户营业执照要带哪些材料？要不要去县城？"
ANSWER = "不用去县城。带身份证原件和经营场所证明，到村代办点提交即可，一般 3 个工作日内办结。"
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]


@pytest.fixture
def site(console) -> Iterator[str]:
    server, thread, port = start_server(console.app)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def look_public(browser, site: str, html: str, name: str) -> None:
    """What the script-less phone showed, loaded into a context where axe-core can run (the same origin, so the
    stylesheets load): no serious or critical violation, no sideways scrolling at 360 px; saved at both sizes."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN")
    try:
        shown = context.new_page()
        shown.goto(f"{site}/ssb/static/consult.css")  # any page of the origin
        shown.set_content(html, wait_until="load")
        violations = [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in Axe().run(shown).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not violations, f"{name}: {violations}"
        assert shown.evaluate("document.documentElement.scrollWidth") <= 360, f"{name}: wider than a phone"
        ZHUANQU_SHOTS.mkdir(parents=True, exist_ok=True)
        for size, (width, height) in PHONE_SIZES.items():
            shown.set_viewport_size({"width": width, "height": height})
            shown.screenshot(path=str(ZHUANQU_SHOTS / f"{name}-{size}.png"), full_page=True)
    finally:
        context.close()


def test_asked_on_a_phone_answered_by_the_department_read_back(console, site, browser):
    phone = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN", java_script_enabled=False)
    villager = phone.new_page()
    villager.set_default_timeout(10_000)
    villager.goto(f"{site}/ssb/zx")
    look_public(browser, site, villager.content(), "consult-ask")
    villager.fill("#question", QUESTION)
    villager.select_option("#item", "FL015")
    villager.fill("#phone", "13912342345")
    villager.click("button[type=submit]")
    code = villager.inner_text("#code")
    assert len(code) == 14
    look_public(browser, site, villager.content(), "consult-code")
    villager.click("a[href='/ssb/zx/a']")
    villager.fill("#code", code)
    villager.click("button[type=submit]")
    assert villager.inner_text("#state") == "等待答复"
    look_public(browser, site, villager.content(), "consult-waiting")

    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    clerk = desk.new_page()
    clerk.set_default_timeout(10_000)
    console_shots.sign_in(clerk, site, console.users["department"].username)
    clerk.click("nav >> text=咨询")
    console_shots.look(clerk, "consultations")
    clerk.click("text=咨询 1")
    assert clerk.inner_text("#unit") == "县市监局"
    assert "13912342345" not in clerk.content()
    clerk.fill("#text", ANSWER)
    clerk.click("text=发布答复")
    assert "答复已发布" in clerk.inner_text("#done")
    console_shots.look(clerk, "consultation-answered")
    desk.close()

    villager.goto(f"{site}/ssb/zx/a")
    villager.fill("#code", code.lower())
    villager.click("button[type=submit]")
    assert villager.inner_text("#state") == "已答复"
    assert villager.inner_text("#answer") == ANSWER
    assert "1391234" not in villager.content() and "139****" not in villager.content()
    look_public(browser, site, villager.content(), "consult-answer")

    for n in range(2):  # two more asks from this address: the fourth form asks for a sum, still with no script
        villager.goto(f"{site}/ssb/zx")
        villager.fill("#question", f"第 {n + 2} 个问题：代办点星期天开门吗？")
        villager.click("button[type=submit]")
        assert len(villager.inner_text("#code")) == 14
    villager.goto(f"{site}/ssb/zx")
    look_public(browser, site, villager.content(), "consult-challenge")
    villager.fill("#question", "第 4 个问题：代办点星期天开门吗？")
    villager.fill("#solution", solve(villager.inner_text("label[for=solution]")))
    villager.click("button[type=submit]")
    assert len(villager.inner_text("#code")) == 14
    phone.close()


def solve(label: str) -> str:
    words = {challenge.chinese_number(n): n for n in range(100)}
    a, op, b = re.search(r"：(.+?)(加|减)(.+?)等于几？", label).groups()
    return str(words[a] + words[b] if op == "加" else words[a] - words[b])


def test_the_bureau_types_in_a_hotline_call(console, site, browser):
    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    clerk = desk.new_page()
    clerk.set_default_timeout(10_000)
    console_shots.sign_in(clerk, site, console.users["bureau_clerk"].username)
    clerk.goto(f"{site}/console/consultations/new")
    clerk.select_option("#source", "hotline")
    clerk.fill("#question", "代办点帮我交话费，要不要另外给钱？")
    clerk.click("main button[type=submit]")
    assert len(clerk.inner_text("#code")) == 14
    console_shots.look(clerk, "consultation-new")
    clerk.goto(f"{site}/console/")
    assert clerk.inner_text("#consult-open") == "1" and clerk.inner_text("#consult-due-soon") == "0"
    console_shots.look(clerk, "desk-consultations")
    desk.close()


def test_a_question_relayed_from_a_counter_in_the_console(console, site, browser):
    from sync.ledger.catalogue import load_catalogue
    from sync.ledger.forms import draft_consult
    from tests.county.test_ingest_rules import enrolled, push, request_for, sealed_chain

    token, point_code, _device_no = enrolled(console.county)
    device_id = token.split(".")[0]
    asked = draft_consult(load_catalogue(), QUESTION, item_code="FL015", phone="13979812345")
    assert push(console.county, token, request_for(device_id, sealed_chain(device_id, [asked]))).accepted == [[1, 1]]

    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    clerk = desk.new_page()
    clerk.set_default_timeout(10_000)
    console_shots.sign_in(clerk, site, console.users["department"].username)
    clerk.goto(f"{site}/console/consultations")
    clerk.click("text=咨询 1")
    assert clerk.inner_text("#source") == f"代办点转来：瑶里村小卖部（{point_code}，1 号机）"
    assert "139****2345" in clerk.content() and "13979812345" not in clerk.content()
    assert "2026年12月01日前" in clerk.content()  # received Friday 09:30: due after Monday and Tuesday
    assert "送回这个代办点的电脑" in clerk.inner_text("label[for=text]")
    console_shots.look(clerk, "consultation-relayed")
    desk.close()
