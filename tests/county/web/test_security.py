"""Console security: CSRF on every write, the login throttle and lockout, no session fixation, first sign-in,
personal data masked until an audited unmask, secure cookie flags."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from county.models import AuditLog, StaffSession
from county.services import staff
from county.web.deps import COOKIE
from tests.county.web.conftest import PASSWORD, csrf_of, sign_in

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(console):
    client = console.client()
    sign_in(client, "bureau.clerk")
    for data in ({"name": "浮梁镇"}, {"name": "浮梁镇", "csrf": "forged"}):
        response = client.post("/console/townships", data=data)
        assert response.status_code == 403 and "页面已过期" in response.text
    assert "浮梁镇" not in client.get("/console/townships").text
    token = csrf_of(client.get("/console/townships").text)
    assert client.post("/console/townships", data={"name": "浮梁镇", "csrf": token}).status_code == 303
    assert "浮梁镇" in client.get("/console/townships").text
    # htmx sends the token as a header
    case_id = console.a.approval["case_id"]
    assert client.post(f"/console/cases/{case_id}/unmask", headers={"HX-Request": "true"}).status_code == 403
    ok = client.post(f"/console/cases/{case_id}/unmask", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert ok.status_code == 200


def test_the_login_form_needs_its_own_token(console):
    client = console.client()
    response = client.post("/console/login", data={"username": "bureau.clerk", "password": PASSWORD})
    assert response.status_code == 403 and COOKIE not in response.cookies


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(console):
    client = console.client()
    for _ in range(5):
        response = sign_in(client, "finance", "wrong password 123")
        assert response.status_code == 401 and "账号名或密码不对" in response.text
    locked = sign_in(client, "finance", PASSWORD)
    assert locked.status_code == 429 and "已锁定" in locked.text
    assert COOKIE not in locked.cookies
    # an unknown name is refused the same way, and throttled after as many tries
    for _ in range(5):
        assert sign_in(client, "nobody.here", "whatever 12345").status_code == 401
    assert sign_in(client, "nobody.here", "whatever 12345").status_code == 429
    with console.county.session() as db:
        assert db.scalar(select(AuditLog).where(AuditLog.action == "staff.locked")) is not None


def test_a_planted_session_cookie_never_becomes_the_session(console):
    attacker = console.client()
    sign_in(attacker, "township.b")
    planted = attacker.cookies[COOKIE]
    victim = console.client()
    victim.cookies.set(COOKIE, planted, domain="testserver.local", path="/console")
    victim.cookies.set(COOKIE, planted)
    response = sign_in(victim, "township.a")
    assert response.status_code == 303
    new = response.cookies[COOKIE]
    assert new != planted
    # the planted session was dropped at sign-in: whoever holds it is signed out
    assert attacker.get("/console/").headers["location"] == "/console/login"
    header = response.headers["set-cookie"]
    assert (
        "HttpOnly" in header and "SameSite=strict" in header.replace("Strict", "strict") and "Path=/console" in header
    )


def test_first_sign_in_forces_a_new_password_then_a_second_factor_for_admins(console):
    with console.county.session() as db:
        user, one_time = staff.create_staff(db, "new.admin", "新管理员", "bureau_admin", actor="test")
        db.commit()
    client = console.client()
    response = sign_in(client, "new.admin", one_time)
    assert response.headers["location"] == "/console/password"
    assert client.get("/console/").headers["location"] == "/console/password"
    page = client.get("/console/password")
    token = csrf_of(page.text)
    weak = client.post("/console/password", data={"old": one_time, "new": "short", "again": "short", "csrf": token})
    assert weak.status_code == 400 and "至少 10 个字符" in weak.text
    good = "瑶里的春天-2027"
    changed = client.post("/console/password", data={"old": one_time, "new": good, "again": good, "csrf": token})
    assert changed.headers["location"] == "/console/totp"
    assert client.get("/console/").headers["location"] == "/console/totp"  # no page before the second factor
    setup = client.get("/console/totp")
    assert "手动输入密钥" in setup.text
    with console.county.session() as db:
        assert db.scalar(select(StaffSession).where(StaffSession.user_id == user.id)).stage == "totp_setup"


def test_personal_data_is_masked_until_an_unmask_which_is_audited(console):
    from tests.county.web.conftest import ID_NUMBER

    case_id = console.a.approval["case_id"]
    client = console.client()
    sign_in(client, "township.a")
    page = client.get(f"/console/cases/{case_id}")
    assert ID_NUMBER not in page.text and ID_NUMBER[:4] + "*" in page.text
    shown = client.post(
        f"/console/cases/{case_id}/unmask", headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(page.text)}
    )
    assert ID_NUMBER in shown.text and "<html" not in shown.text  # an htmx fragment
    with console.county.session() as db:
        row = db.scalar(select(AuditLog).where(AuditLog.action == "pii.unmask"))
        assert row.actor == "staff:township.a" and row.role == "township" and row.target == f"case:{case_id}"
    finance = console.client()
    sign_in(finance, "finance")
    page = finance.get(f"/console/cases/{case_id}")
    assert "查看完整信息" not in page.text
    assert finance.post(f"/console/cases/{case_id}/unmask", data={"csrf": csrf_of(page.text)}).status_code == 403
