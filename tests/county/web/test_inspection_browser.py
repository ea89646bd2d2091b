"""Inspection to revocation in a real browser: the township records its daily supervision with a serious finding
and a photo, finance/audit reads it, the bureau revokes the point on that finding and reinstates it; every page
checked by axe-core and photographed at both sizes. (The counter locking is tested at the sync level:
tests/county/test_revocation_e2e.py.)"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from county.models import Account, Device, Point
from tests.county.web.conftest import CHROMIUM
from tests.county.web.test_browser import Path, look, page, sign_in, site  # noqa: F401

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]
FOUND = "向办事群众收取代办费 10 元"


def photo(tmp_path) -> Path:
    path = tmp_path / "现场.jpg"
    image = Image.new("RGB", (320, 240), (235, 230, 220))
    for x in range(40, 280):
        for y in range(60, 120):
            image.putpixel((x, y), (190, 30, 30))  # a red sign plate
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def states(console) -> tuple[str, list[str], list[str]]:
    with console.county.session() as db:
        point = db.scalar(select(Point).where(Point.code == console.a.point_code))
        accounts = db.scalars(select(Account.state).where(Account.point_id == point.id)).all()
        devices = db.scalars(select(Device.state).where(Device.point_id == point.id)).all()
        return point.state, list(accounts), list(devices)


def test_an_inspection_finding_leads_to_revocation_and_back(console, site, page, tmp_path):
    code = console.a.point_code
    sign_in(page, site, "township.a")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/points/{code}")
    page.click("main a:has-text('督查记录')")
    page.fill("#inspector", "李干事")
    for key in ("sign", "poster", "ledger", "materials"):
        page.check(f"input[name=check_{key}][value=pass]")
    page.check("input[name=check_no_fee][value=fail]")
    page.select_option("#severity-0", "serious")
    page.fill("#description-0", FOUND)
    page.fill("#fix-0", "退还费用，店内张贴不收费告示")
    page.fill("#days-0", "3")
    page.set_input_files("#photos", str(photo(tmp_path)))
    look(page, "inspection-form")
    page.click("button:has-text('保存督查记录')")
    page.wait_for_selector("text=督查记录已保存。")
    main = page.inner_text("main")
    assert FOUND in main and "严重" in main and "乡镇日常监管" in main and "尚未整改" in main
    assert page.eval_on_selector("img[alt^='督查照片']", "img => img.naturalWidth") == 320
    look(page, "inspections")
    page.context.clear_cookies()

    sign_in(page, site, "finance")  # finance/audit reads the record, records nothing
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/points/{code}/inspections")
    assert FOUND in page.inner_text("main") and page.locator("form[action$='/inspections']").count() == 0
    page.context.clear_cookies()

    sign_in(page, site, "bureau.clerk")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/points/{code}/revocation")
    assert "1 个账号、1 台设备在用" in page.inner_text("main")
    page.select_option("#finding", label=page.locator("#finding option", has_text=FOUND).inner_text())
    look(page, "revocation")
    page.click("button:has-text('撤销代办点')")
    page.wait_for_selector("text=代办点已撤销：同时注销了 1 个账号、停用了 1 台设备")
    assert states(console) == ("revoked", ["revoked"], ["revoked"])
    assert f"督查发现：{FOUND}" in page.inner_text("main")
    look(page, "revocation-done")
    page.fill("#reinstate-reason", "复核：费用已退还，乡镇已核实")
    page.click("button:has-text('恢复代办点')")
    page.wait_for_selector("text=代办点已恢复，1 台设备可以重新同步")
    assert states(console) == ("active", ["active"], ["active"])
    assert "复核：费用已退还" in page.inner_text("main")
    look(page, "revocation-reinstated")
