"""季度结算 in a real browser: the bureau admin runs a quarter in which a point is held by an open serious
inspection finding, releases the hold with a reason (refused without one in Chinese), and publishes; the released
hold and its reason stay on the statement. axe-core on each page; photographed at 1366×768 and 390×844."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from county.models import AuditLog, Point
from tests.county.test_settlement_release import serious_finding
from tests.county.web.conftest import TOTP_SECRET, csrf_of
from tests.county.web.conftest import sign_in as client_sign_in
from tests.county.web.settlement_seed import q3_cases
from tests.county.web.test_browser import look, page, pytestmark, sign_in, site  # noqa: F401


def test_the_bureau_admin_runs_releases_a_hold_and_publishes(console, site, page):
    with console.county.session() as db:
        q3_cases(db, console)
        serious_finding(db, db.scalar(select(Point).where(Point.code == console.a.point_code)))
        db.commit()
    a = console.a.point_code
    sign_in(page, site, "bureau.admin")
    page.wait_for_url("**/console/totp")
    page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    page.goto(f"{site}/console/settlements")
    page.fill("#quarter", "2026-Q3")
    page.fill("#value", "0.5")
    page.click("button:has-text('计算草稿')")
    page.wait_for_url("**/console/settlements/*")
    sid = page.url.rsplit("/", 1)[1]
    held = page.locator("tr", has_text=f"{a} 瑶里村小卖部")
    assert "督查发现严重问题尚未整改" in held.inner_text() and "结转 30.00 元" in held.inner_text()
    look(page, "settlement-held")

    # a clerk of the bureau may not release: the route refuses, whatever the page shows
    clerk = console.client()
    client_sign_in(clerk, "bureau.clerk")
    seen = clerk.get(f"/console/settlements/{sid}").text
    token = csrf_of(seen)
    assert "解除暂缓理由" not in seen  # no form for a clerk
    refused = clerk.post(
        f"/console/settlements/{sid}/release", data={"csrf": token, "point_id": "1", "reason": "已整改完毕无问题"}
    )
    assert refused.status_code == 403
    admin = console.client()
    client_sign_in(admin, "bureau.admin")
    forged = admin.post(f"/console/settlements/{sid}/release", data={"point_id": "1", "reason": "县局已核实整改到位"})
    assert forged.status_code == 403 and "页面已过期" in forged.text  # no CSRF token: refused, nothing released
    english = admin.post(
        f"/console/settlements/{sid}/release",
        data={"csrf": csrf_of(admin.get("/console/").text), "point_id": "1", "reason": "fixed on site"},
    )
    assert english.status_code == 400 and "请用中文写明解除暂缓的理由" in english.text

    held = page.locator("tr", has_text=f"{a} 瑶里村小卖部")
    held.locator("input[name=reason]").fill("县局现场复查已整改到位，整改记录待补录")
    held.locator("button:has-text('解除暂缓')").click()
    assert "已解除" in page.inner_text("[role=status]")
    row = page.locator("tr", has_text=f"{a} 瑶里村小卖部")
    assert "30.00" in row.locator("strong").inner_text()  # paid this quarter
    note = page.locator("tr", has_text="已解除暂缓").inner_text()
    assert f"{a}：" in note and "督查发现严重问题尚未整改" in note and "县局现场复查已整改到位" in note
    look(page, "settlement-released")

    page.click("button:has-text('发布第 1 版')")
    page.wait_for_url(f"**/console/settlements/{sid}")
    assert "（草稿）" not in page.inner_text("h1")
    row = page.locator("tr", has_text=f"{a} 瑶里村小卖部")
    assert "县局现场复查已整改到位" in page.locator("tr", has_text="已解除暂缓").inner_text()
    assert page.locator("text=解除暂缓理由").count() == 0 and "签收单" in row.inner_text()
    look(page, "settlement-published-release")
    with console.county.session() as db:
        entry = db.scalar(select(AuditLog).where(AuditLog.action == "settlement.release"))
        assert entry.actor == "staff:bureau.admin" and entry.detail["after"]["payout"] == "30.00"
