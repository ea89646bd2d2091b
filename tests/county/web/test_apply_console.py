"""Applications and training in the console over HTTP: each township its own, photos, paper entry, the bureau's
review making the point, and the point page's account form obeying the training rule."""

from __future__ import annotations

import re

from sqlalchemy import select

from county.models import Account, AuditLog, Point, PointApplication
from tests.county.applications_data import AGENT_ID, AGENT_PHONE, tiny_png
from tests.county.web.applications_seed import application_in_a
from tests.county.web.conftest import csrf_of, sign_in

# both databases: the photos are a BLOB on SQLite and a bytea on PostgreSQL


def _signed_in(console, name: str):
    client = console.client()
    assert sign_in(client, console.users[name].username).status_code == 303
    return client, csrf_of(client.get("/console/").text)


def console_as(console, name: str):
    return _signed_in(console, name)[0]


def test_a_township_sees_and_reviews_only_its_own_applications(console):
    ids = application_in_a(console)
    page = f"/console/applications/{ids['application_id']}"
    other, token_b = _signed_in(console, "township_b")
    assert other.get(page).status_code == 404
    assert other.get(f"{page}/photos/{ids['photo_id']}").status_code == 404
    assert "绕南村便民超市" not in other.get("/console/applications").text
    refused = other.post(f"{page}/township", data={"csrf": token_b, "decision": "pass"})
    assert refused.status_code == 404
    own, token_a = _signed_in(console, "township_a")
    shown = own.get(page)
    assert "138****5678" in shown.text and AGENT_PHONE not in shown.text and AGENT_ID not in shown.text
    full = own.post(f"{page}/agent", data={"csrf": token_a})
    assert AGENT_PHONE in full.text and AGENT_ID in full.text and full.headers["cache-control"] == "no-store"
    with console.county.session() as db:
        look = db.scalar(select(AuditLog).where(AuditLog.action == "pii.unmask"))
        assert (look.actor, look.role) == ("staff:township.a", "township")
        assert look.target.startswith("application:SQ") and AGENT_PHONE not in str(look.detail)
    assert "查看完整信息" not in console_as(console, "finance").get(page).text
    photo = own.get(f"{page}/photos/{ids['photo_id']}")
    assert photo.headers["content-type"] == "image/png" and photo.content == tiny_png()
    assert 'id="waiting-count">1<' in own.get("/console/applications").text
    assert 'id="count-applications">1<' in own.get("/console/").text  # the 工作台 counts it too
    no_reason = own.post(f"{page}/township", data={"csrf": token_a, "decision": "reject", "reason": ""})
    assert no_reason.status_code == 400 and "请写明原因" in no_reason.text
    passed = own.post(f"{page}/township", data={"csrf": token_a, "decision": "pass"})
    assert "初审通过，已报县局审核" in passed.text
    finance, _ = _signed_in(console, "finance")
    assert "乡镇初审通过，待县局审核" in finance.get(page).text
    clerk, token_c = _signed_in(console, "bureau_clerk")
    approved = clerk.post(f"{page}/bureau", data={"csrf": token_c, "decision": "approve"})
    assert "审核通过，代办点已建好" in approved.text
    code = re.search(r'id="point-link" href="/console/points/(\d{4})"', approved.text).group(1)
    with console.county.session() as db:
        assert db.scalar(select(Point.name).where(Point.code == code)) == "绕南村便民超市"
        assert db.scalar(select(AuditLog.role).where(AuditLog.action == "application.bureau_approve")) == (
            "bureau_clerk"
        )


def test_the_township_types_in_a_paper_application_with_a_photo(console):
    client, token = _signed_in(console, "township_a")
    fields = {
        "csrf": token,
        "kind": "outlet",
        "shop_name": "邮政储蓄瑶里营业所",
        "agent_name": "汪建国",
        "phone": "13907981234",
        "id_number": AGENT_ID,
        "village": "瑶里村",
        "address": "瑶里村老街 3 号",
    }
    saved = client.post(
        "/console/applications/new", data=fields, files=[("photos", ("门头.png", tiny_png(), "image/png"))]
    )
    assert saved.status_code == 200 and saved.headers["cache-control"] == "no-store"
    number = re.search(r'id="number">([^<]+)<', saved.text).group(1)
    check = re.search(r'id="check">([^<]+)<', saved.text).group(1)
    with console.county.session() as db:
        row = db.scalar(select(PointApplication).where(PointApplication.number == number))
        assert (row.source, row.kind, row.state) == ("paper", "outlet", "submitted")
    public = console.client().get("/ssb/sq/s", params={"n": number, "c": check})
    assert "待乡镇初审" in public.text and "合作网点" in public.text
    huge = client.post("/console/applications/new", content=b"x", headers={"content-length": str(20 * 1024 * 1024)})
    assert huge.status_code == 413 and "最多 3 张照片" in huge.text  # refused before the body is read
    bad = client.post("/console/applications/new", data={**fields, "phone": "1390798"})
    assert bad.status_code == 400 and 'value="邮政储蓄瑶里营业所"' in bad.text


def test_the_point_page_opens_an_account_only_for_a_trained_agent_or_with_a_reason(console):
    client, token = _signed_in(console, "bureau_clerk")
    page = f"/console/points/{console.a.point_code}"
    refused = client.post(f"{page}/accounts", data={"csrf": token, "name": "程小军"})
    assert refused.status_code == 400 and "还没有参加过培训" in refused.text
    assert 'name="name" required maxlength="40" value="程小军"' in refused.text  # the typed name stays
    with console.county.session() as db:
        assert db.scalar(select(Account.id).where(Account.name == "程小军")) is None
    opened = client.post(f"{page}/accounts", data={"csrf": token, "name": "程小军", "override": "培训班下周开，先开通"})
    assert opened.status_code == 200 and "激活码" in opened.text
    shown = client.get(page).text
    assert "未培训，县局先开通：培训班下周开，先开通" in shown and "已培训" in shown  # the fixture's agent was trained
