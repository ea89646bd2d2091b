"""The console in a real browser (Debian's chromium through Playwright) against the app on loopback: the named
journeys, with every page checked by axe-core and photographed at 1366×768 and 390×844."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from county.models import CountyEvent
from county.services import staff
from tests.county.conftest import start_server
from tests.county.web.conftest import CHROMIUM, PASSWORD, TOTP_SECRET
from tests.county.web.test_public_browser import _check_and_save

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "console"
SIZES = {"wide": (1366, 768), "phone": (390, 844)}
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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors  # no script error, no CSP refusal, on any page


def look(page, name: str) -> None:
    """axe-core finds no serious or critical violation; the page is saved at both sizes."""
    from axe_playwright_python.sync_playwright import Axe

    violations = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations, f"{name}: {violations}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def sign_in(page, site: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{site}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def test_an_admins_first_sign_in_forces_a_new_password_and_a_second_factor(console, site, page):
    with console.county.session() as db:
        _user, one_time = staff.create_staff(db, "wang.admin", "王主任", "bureau_admin", actor="cli:test")
        db.commit()
    page.goto(f"{site}/console/")
    assert page.url.endswith("/console/login")
    look(page, "login")
    sign_in(page, site, "wang.admin", one_time)
    page.wait_for_url("**/console/password")
    look(page, "password-first")
    page.fill("#old", one_time)
    page.fill("#new", "浮梁县政务服务-2026")
    page.fill("#again", "浮梁县政务服务-2026")
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/totp")
    look(page, "totp-setup")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    assert "王主任（县局管理员）" in page.inner_text("header")
    look(page, "desk-bureau")
    page.click("text=退出")
    page.wait_for_url("**/console/login")
    sign_in(page, site, "wang.admin", "浮梁县政务服务-2026")  # the next time: password, then the code
    page.wait_for_url("**/console/totp")
    look(page, "totp-check")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")


def test_the_bureau_creates_a_point_with_an_account_and_prints_its_code(console, site, page):
    sign_in(page, site, "bureau.admin")
    page.wait_for_url("**/console/totp")
    page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    page.click("nav >> text=乡镇")
    look(page, "townships")
    page.click("nav >> text=代办点")
    look(page, "points")
    page.fill("#name", "瑶里村第二代办点")
    page.select_option("#township", "瑶里镇")
    page.click("button:has-text('新建代办点')")
    page.wait_for_url("**/console/points/0003")
    look(page, "point")
    page.fill("#agent-name", "李春花")
    page.fill("#agent-override", "第一批试点，已参加县里的集中培训，签到表待补录")  # no training recorded: a reason
    page.click("text=新建账号并生成激活码")
    code = page.inner_text("#activation-code")
    assert len(code) == 14 and code.count("-") == 2
    look(page, "activation-code")
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }")  # the OS printer
    page.click("text=打印激活码")
    assert page.evaluate("window.__printed") >= 1
    for nav, name in (("通知公告", "notices"), ("工作人员账号", "staff"), ("审计日志", "audit"), ("办件查询", "cases")):
        page.click(f"nav >> text={nav}")
        look(page, name)
    assert page.is_visible("text=activation.issue") is False  # the cases page, not the log
    page.click(f"text={console.a.approval['receipt_no']}")
    look(page, "case")


def test_a_department_clerk_works_a_case_to_completion_and_returns_another(console, site, page):
    a, b = console.a, console.b
    sign_in(page, site, "department")
    page.wait_for_url("**/console/")
    look(page, "desk-department")
    page.click("nav >> text=待办办件")
    look(page, "queue")
    row = page.locator(f"#row-{a.approval['case_id']}")
    assert "签收材料后 3 个工作日" in row.inner_text()
    row.get_by_role("button", name="签收材料", exact=True).click()  # the parcel arrived: the time limit starts
    page.wait_for_selector(f"#row-{a.approval['case_id']} >> text=已改为“材料已签收”")
    assert "2026年12月02日前（还剩 3 个工作日）" in row.locator("td[data-label=办理时限]").inner_text()
    look(page, "queue-signed")
    for action, label in (("受理", "已受理"), ("审批中", "审批中"), ("办结", "已办结")):
        row.get_by_role("button", name=action, exact=True).click()
        page.wait_for_selector(f"#row-{a.approval['case_id']} >> text=已改为“{label}”")
    other = page.locator(f"#row-{b.approval['case_id']}")
    other.get_by_role("button", name="退回").click()  # without a reason: refused, in words
    page.wait_for_selector(f"#row-{b.approval['case_id']} >> text=退回办件时必须写明原因")
    other.locator("input[name=note]").fill("经营场所使用证明缺少房东签字，请补签后重新送交。")
    other.get_by_role("button", name="退回").click()
    page.wait_for_selector(f"#row-{b.approval['case_id']} >> text=已改为“已退回”")
    page.goto(f"{site}/console/cases/{a.approval['case_id']}")
    assert page.inner_text("#case-state") == "已办结"
    look(page, "case-department")
    with console.county.session() as db:  # what each counter pulls at its next sync
        feed = [e.payload for e in db.scalars(select(CountyEvent).where(CountyEvent.kind == "case_status"))]
    assert [(f["case_id"], f["status"]) for f in feed] == [
        (a.approval["case_id"], "materials_received"),
        (a.approval["case_id"], "accepted"),
        (a.approval["case_id"], "in_review"),
        (a.approval["case_id"], "completed"),
        (b.approval["case_id"], "returned"),
    ]
    assert feed[-1]["note"].startswith("经营场所使用证明")


def test_a_township_clerk_finds_a_case_by_receipt_number(console, site, page):
    sign_in(page, site, "township.a")
    page.wait_for_url("**/console/")
    look(page, "desk-township")
    page.click("nav >> text=办件查询")
    page.fill("#receipt", console.a.payment["receipt_no"])
    page.click("button:has-text('查询')")
    page.wait_for_selector("text=共 1 件")
    assert console.a.approval["receipt_no"] not in page.inner_text("#case-results")
    page.click("nav >> text=代办点")
    look(page, "points-township")


def test_a_township_clerk_sees_a_case_whose_record_was_changed_and_its_flagged_device(console, site, page):
    """The 设备与校验 card in its red state: a stored body changed afterwards, the device flagged by ingest."""
    from sqlalchemy import update

    from county.models import Case, Device, LedgerEvent
    from county.services import ingest

    case_id = console.a.approval["case_id"]
    with console.county.session() as db:
        device = db.get(Device, db.get(Case, case_id).device_id)
        row = db.scalars(select(LedgerEvent).where(LedgerEvent.device_id == device.id, LedgerEvent.seq == 3)).one()
        db.execute(update(LedgerEvent).where(LedgerEvent.id == row.id).values(body={**row.body, "note": "改过"}))
        db.commit()
        ingest.flag_tampering(db, device, 3, "same sequence number, different content")
    sign_in(page, site, "township.a")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/cases/{case_id}")
    result = page.inner_text("#chain-result")
    assert "第 3 条记录" in result and "内容被改动" in result
    assert "已标记：账本被改动" in page.inner_text("#chain-device-state")
    look(page, "case-chain-broken")


def test_the_bureau_pages_through_a_case_list_longer_than_its_count(console, site, page, monkeypatch):
    """Two cases a page, counted to three: the capped count's wording, then 下一页 and 上一页 in a real browser."""
    from county.web import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    sign_in(page, site, "bureau.clerk")
    page.wait_for_url("**/console/")
    page.click("nav >> text=办件查询")
    page.wait_for_selector("text=超过 3 件，从最新的列起")
    first = page.inner_text("#case-results tbody")
    page.click("#page-older")
    page.wait_for_selector("#page-newer")
    look(page, "cases-paged")
    second = page.inner_text("#case-results tbody")
    assert not {line for line in first.splitlines()} & {line for line in second.splitlines()}
    page.click("#page-newer")
    page.wait_for_selector("#page-older")
    assert page.inner_text("#case-results tbody") == first


def test_the_bureau_enters_2027_chooses_a_townships_items_and_a_department_approves_its_guide(console, site, page):
    sign_in(page, site, "bureau.admin")
    page.wait_for_url("**/console/totp")
    page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    page.click("nav >> text=工作日表")
    page.wait_for_selector("text=2027 年的放假安排还没有录入")
    page.fill("#holidays", "2027-01-01\n2027-02-10~2027-02-17")
    page.fill("#extra", "2027-02-07")
    page.click("text=保存并发布")
    page.wait_for_selector("text=2027 年工作日表已保存")
    look(page, "workdays")
    page.click("nav >> text=乡镇")
    page.click("a:has-text('查看和修改') >> nth=0")
    page.uncheck("#item-FL001")
    page.click("text=保存并发布")
    page.wait_for_selector("text=已发布事项清单 2024.3 版")
    look(page, "township-items")
    page.click("nav >> text=办事指南")
    look(page, "guides")
    page.click("text=个体工商户")
    page.fill("#text", "携带材料到县市场监管局窗口，或由代办点寄送。材料齐全的当场受理。")
    page.fill("#materials", "经营者身份证\n经营场所使用证明")
    page.click("main button:has-text('保存')")
    page.wait_for_selector("text=办事指南已保存")
    look(page, "guide")
    page.click("nav >> text=审计日志")
    page.wait_for_selector("#audit-verdict >> text=审计日志完整")
    look(page, "audit")
    page.click("header button:has-text('退出')")
    sign_in(page, site, "department")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/guides/FL015")
    page.click("text=审核通过")
    page.wait_for_selector("#guide-state >> text=已由 staff:department")
    look(page, "guide-department")


def test_a_department_enters_its_flowchart_and_the_bureau_downloads_the_sign_and_poster(console, site, page):
    core = console.app.state.core
    core.settings = replace(core.settings, query_url_base="https://ssb.fuliang.gov.cn/ssb/q")
    sign_in(page, site, "department")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/guides/FL015")
    assert "示例" in page.inner_text("#flow-title")
    page.fill(
        "#steps",
        "申请人 | 带身份证说清经营项目 | 当场\n代办员 | 收件、打印回执 | 当场\n县市场监管局 | 审核发照 | 3 个工作日",
    )
    page.click("main button:has-text('保存')")
    page.wait_for_selector("text=办事指南已保存")
    assert "已填写、尚未审核" in page.inner_text("#flow-state")
    page.click("text=审核通过")
    page.wait_for_selector("#flow-state >> text=部门已审核")
    assert "示例" not in page.inner_text("#flow-title")
    look(page, "guide-flowchart")
    public = page.context.browser.new_page(viewport={"width": 360, "height": 640}, locale="zh-CN")
    public.goto(f"{site}/ssb/items/FL015")  # the 专区 draws the approved flowchart, no longer marked 示例
    assert public.inner_text("#flow-title") == "办理流程图" and "带身份证说清经营项目" in public.inner_text("ol.flow")
    _check_and_save(public, "item-flowchart-approved")
    public.close()
    page.click("header button:has-text('退出')")
    sign_in(page, site, "bureau.clerk")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/points/{console.a.point_code}")
    look(page, "point-papers")
    for link, name in (("下载标识牌", f"sign-{console.a.point_code}.pdf"), ("下载上墙公示", "poster-")):
        with page.expect_download() as download:
            page.click(f"#point-papers >> text={link}")
        assert download.value.suggested_filename.startswith(name)
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
