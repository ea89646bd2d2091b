"""Signing in and out, the forced password change, and the bureau admin's TOTP set-up and check."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from county.api.errors import status_of
from county.errors import CountyError
from county.models import StaffSession, StaffUser
from county.services import staff, staff_login
from county.services.common import audit
from county.services.staff import ALL_ROLES
from county.web.deps import COOKIE, LOGIN_COOKIE, STAGE_PAGES, Viewer, allow, client_ip, writing
from county.web.render import page

router = APIRouter(prefix="/console")
SignedIn = Annotated[Viewer, allow(*ALL_ROLES, stages=("ok", "change_password"))]
AtTotp = Annotated[Viewer, allow(staff.StaffRole.BUREAU_ADMIN, stages=("totp_setup", "totp"))]


def _cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _login_page(request: Request, *, error: str = "", username: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", None, login_csrf=token, error=error, username=username, status=status)
    _cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = ""):
    sent = (await request.form()).get("csrf")
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent.encode(), expected.encode()):
        return _login_page(request, error="登录页面已过期，请重新输入账号和密码。", username=username, status=403)

    def work() -> staff_login.Signed:
        with writing(request) as db:
            try:
                return staff_login.sign_in(db, username[:80], password[:200], client=client_ip(request))
            except CountyError:
                db.commit()  # the failure counts, whatever the answer
                raise

    try:
        signed = await run_in_threadpool(work)
    except CountyError as exc:
        return _login_page(request, error=exc.message, username=username[:40], status=status_of(exc))
    response = RedirectResponse(STAGE_PAGES.get(signed.stage, "/console/"), status_code=303)
    old = request.cookies.get(COOKIE)
    if old:  # a cookie planted before sign-in never becomes a session: it is dropped and a new one set
        await run_in_threadpool(_drop, request, old)
    _cookie(request, response, COOKIE, signed.token)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


def _drop(request: Request, token: str) -> None:
    from county.services.common import sha256_hex

    with writing(request) as db:
        staff_login.sign_out(db, sha256_hex(token))


@router.post("/logout")
def logout(request: Request, who: Annotated[Viewer, allow(*ALL_ROLES, stages=tuple(STAGE_PAGES) + ("ok",))]):
    with writing(request, who) as db:
        staff_login.sign_out(db, who.session_id)
        audit(db, who.actor, "staff.sign_out", f"staff:{who.user_id}")
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("/password")
def password_form(request: Request, who: SignedIn):
    return page(request, "password.html", who)


@router.post("/password")
def change_password(
    request: Request,
    who: SignedIn,
    old: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    again: Annotated[str, Form()] = "",
):
    if new != again:
        return page(request, "password.html", who, error="两次输入的新密码不一样。什么都没有改。", status=400)
    try:
        with writing(request, who) as db:
            user = db.get(StaffUser, who.user_id)
            staff.change_password(db, user, old[:200], new[:200], actor=who.actor)
            row = db.get(StaffSession, who.session_id)
            row.stage = staff_login.stage_of(user)
            staff_login.end_all(db, user.id, keep=who.session_id)
            stage = row.stage
    except CountyError as exc:
        return page(request, "password.html", who, error=exc.message, status=status_of(exc))
    return RedirectResponse(STAGE_PAGES.get(stage, "/console/"), status_code=303)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@router.get("/totp")
def totp_form(request: Request, who: AtTotp):
    if who.stage == "totp_setup":
        secret = staff.new_totp_secret()
        return page(request, "totp.html", who, secret=secret, secret_grouped=_grouped(secret))
    return page(request, "totp.html", who)


@router.post("/totp")
def totp_check(
    request: Request, who: AtTotp, code: Annotated[str, Form()] = "", secret: Annotated[str, Form()] = ""
) -> Response:
    box = request.app.state.core.pii
    setting_up = who.stage == "totp_setup"
    extra = {"secret": secret[:64], "secret_grouped": _grouped(secret[:64])} if setting_up else {}
    with writing(request, who) as db:
        user = db.get(StaffUser, who.user_id)
        if why := staff_login.totp_throttled(db, user):
            return page(request, "message.html", None, heading="不能这样操作", message=why, status=429)
        if staff.check_totp(box, user, code[:10], secret=secret[:64] if setting_up else None):
            staff_login.totp_passed(db, user)
            db.get(StaffSession, who.session_id).stage = "ok"
            if setting_up:
                user.totp_sealed = staff.seal_totp(box, user, secret[:64])
                audit(db, who.actor, "staff.totp_set", f"staff:{user.id}")
            return RedirectResponse("/console/", status_code=303)
        locked = staff_login.totp_failed(db, user, client=client_ip(request))  # row locks before the audit head
        audit(db, who.actor, "staff.totp_wrong", f"staff:{user.id}")
        if locked:
            return page(
                request, "message.html", None, heading="不能这样操作", message=staff_login.TOTP_LOCKED, status=429
            )
    return page(
        request, "totp.html", who, error="动态码不对，请看验证器上最新的 6 位数字再输一次。", status=400, **extra
    )
