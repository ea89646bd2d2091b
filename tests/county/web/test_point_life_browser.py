"""A point's whole life end to end, in real browsers against the county on loopback with a real counter beside it:
applied for on the 专区 from a phone, passed by the township (乡镇初审), approved by the bureau (县局审核), its agent
trained (培训) and given an activation code and its 标识牌 (the QR code read back from the PDF), a real counter store activates with that code and syncs, the township
records an inspection with a serious finding, the bureau revokes the point on it, and the counter's next sync
locks it with the county's plain words (and the lock survives on the counter)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from county.services import admin
from desktop.services.activation import activate
from desktop.services.printouts import handover_pdf
from desktop.services.session import Counter
from desktop.services.syncing import lock, lock_message
from desktop.settings import Settings
from sync.clock import china_today
from tests.county.applications_data import AGENT_ID, AGENT_PHONE
from tests.county.test_sync_e2e import engine_for
from tests.county.web.conftest import CHROMIUM, PASSWORD, make_staff
from tests.desktop.printing.pdftools import pdf_text
from tests.factories import make_case_draft

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]
FOUND = "向办事群众收取代办费 10 元"


def desk(browser, site: str, username: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{site}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    return context, page


@pytest.fixture
def county_query_url() -> str:
    return "https://ssb.fuliang.gov.cn/ssb/q"  # the 专区's address: the sign plate's QR code is built from it


def sign_plate_qr(page, url: str, folder) -> list[str]:
    """The 标识牌 PDF downloaded with the bureau's own session, rendered, and its QR code read back."""
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    (folder / "sign.pdf").write_bytes(response.body())
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-singlefile", str(folder / "sign.pdf"), str(folder / "sign")], check=True
    )
    return [found.text for found in zxingcpp.read_barcodes(Image.open(folder / "sign.png"))]


def test_from_application_to_a_counter_locked_by_revocation(county, browser, tmp_path, catalogue):
    site = county.base_url
    with county.session() as db:
        admin.create_township(db, "瑶里镇", actor="test")
        db.commit()
    make_staff(county, "township.a", "township", township="瑶里镇")
    make_staff(county, "bureau.clerk", "bureau_clerk")

    phone = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN", java_script_enabled=False)
    villager = phone.new_page()
    villager.set_default_timeout(10_000)
    villager.goto(f"{site}/ssb/")
    villager.click("text=申请开设代办点")
    villager.fill("#shop_name", "绕南村便民超市")
    villager.fill("#agent_name", "程桂兰")
    villager.fill("#phone", AGENT_PHONE)
    villager.fill("#id_number", AGENT_ID)
    villager.select_option("#township_id", label="瑶里镇")
    villager.fill("#village", "绕南村")
    villager.fill("#address", "绕南村一组 18 号")
    villager.click("button[type=submit]")
    number = villager.inner_text("#number")
    phone.close()

    township, clerk = desk(browser, site, "township.a")
    clerk.click("nav >> text=申请")
    clerk.click(f"text={number}")
    clerk.check("input[name=decision][value=pass]")
    clerk.click("text=提交初审结果")
    assert "初审通过" in clerk.inner_text("#done")

    office, bureau = desk(browser, site, "bureau.clerk")
    bureau.click("nav >> text=申请")
    bureau.click(f"text={number}")
    bureau.check("input[name=decision][value=approve]")
    bureau.click("text=提交审核结果")
    assert "代办点已建好" in bureau.inner_text("#done")
    bureau.click("#point-link")
    point_page = bureau.url
    code = point_page.rstrip("/").rsplit("/", 1)[1]
    bureau.click("nav >> text=培训")
    bureau.fill("#held_on", china_today().isoformat())
    bureau.fill("#place", "瑶里镇政府二楼会议室")
    bureau.fill("#trainer", "张老师")
    bureau.click("text=保存培训")
    bureau.select_option("#application", label=f"{number} 绕南村便民超市 · 程桂兰")
    bureau.click("form:has(#application) button")
    assert "已记下" in bureau.inner_text("#done")
    bureau.goto(point_page)
    bureau.fill("#agent-name", "程桂兰")
    bureau.click("text=新建账号并生成激活码")
    activation_code = bureau.inner_text("#activation-code").strip()
    qr = sign_plate_qr(bureau, f"{site}/console/points/{code}/sign.pdf", tmp_path)
    assert qr == [f"https://ssb.fuliang.gov.cn/ssb/p/{code}"]  # the plate on the shop's wall opens its 专区 page

    done = activate(site, activation_code, tmp_path / "data", PASSWORD)  # the counter, as the shop installs it
    counter = Counter(done.store, catalogue, Settings(tmp_path / "data"))
    try:
        assert counter.store.identity.point_code == code
        counter.append(make_case_draft(catalogue))
        first = engine_for(counter.store).run()
        assert first.ok and first.accepted == 1 and not first.locked

        clerk.goto(f"{site}/console/points/{code}")
        clerk.click("main a:has-text('督查记录')")
        clerk.fill("#inspector", "李干事")
        for key in ("sign", "poster", "ledger", "materials"):
            clerk.check(f"input[name=check_{key}][value=pass]")
        clerk.check("input[name=check_no_fee][value=fail]")
        clerk.select_option("#severity-0", "serious")
        clerk.fill("#description-0", FOUND)
        clerk.fill("#fix-0", "退还费用，店内张贴不收费告示")
        clerk.fill("#days-0", "3")
        clerk.click("button:has-text('保存督查记录')")
        clerk.wait_for_selector("text=督查记录已保存。")
        township.close()

        bureau.goto(f"{site}/console/points/{code}/revocation")
        assert "1 个账号、1 台设备在用" in bureau.inner_text("main")
        bureau.select_option("#finding", label=bureau.locator("#finding option", has_text=FOUND).inner_text())
        bureau.click("button:has-text('撤销代办点')")
        bureau.wait_for_selector("text=代办点已撤销：同时注销了 1 个账号、停用了 1 台设备")
        office.close()

        late = counter.append(make_case_draft(catalogue))  # recorded before the counter heard of it
        report = engine_for(counter.store).run()
        assert report.locked and not report.pushed
        words = report.error.message
        assert words.startswith("本代办点已被县里撤销") and FOUND in words and "交接清单" in words
        lock(counter, words)
        assert counter.locked and lock_message(counter) == words
        handover = "".join(pdf_text(handover_pdf(counter)).split())  # from the ledger alone, for the township
        assert late[0].body["receipt_no"] in handover and "交接清单" in handover
    finally:
        counter.close()
