"""Console request plumbing: who asks (the session cookie), which roles a route allows, CSRF, database sessions.

Every console route declares its roles with ``allow(...)``; tests/county/web read those declarations to try
every route with every role. Pages read through ``AppState.read_session`` (never the SQLite write gate); a
form's write goes through ``writing``, which takes the gate and stamps the audit rows with role and address.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from county.services import staff_login
from county.services.common import AUDIT_CONTEXT, aware, utcnow
from county.services.scope import Scope
from county.services.staff import ROLE_LABELS, StaffRole

COOKIE = "ssb_console"
LOGIN_COOKIE = "ssb_login"  # the sign-in form's own CSRF token, before there is a session
CSRF_HEADER = "X-CSRF-Token"
STAGE_PAGES = {"change_password": "/console/password", "totp_setup": "/console/totp", "totp": "/console/totp"}


class ConsoleRedirect(Exception):
    def __init__(self, location: str):
        self.location = location


class ConsoleRefused(Exception):
    """Shown as a plain page (or an htmx fragment) with the status; the message is for the person."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


@dataclass(frozen=True)
class Viewer:
    user_id: int
    username: str
    display_name: str
    role: StaffRole
    scope: Scope
    session_id: str
    csrf: str
    stage: str
    ip: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"


def client_ip(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


def _look_up(request: Request) -> tuple[Viewer, bool] | None:
    core = request.app.state.core
    with core.read_session() as db:
        found = staff_login.find(db, request.cookies.get(COOKIE))
        if found is None:
            return None
        row, user = found
        viewer = Viewer(
            user.id,
            user.username,
            user.display_name,
            StaffRole(user.role),
            Scope.of(user),
            row.id,
            row.csrf,
            row.stage,
            client_ip(request),
        )
        return viewer, utcnow() - aware(row.last_seen_at) > staff_login.TOUCH_EVERY


def _touch(core, session_id: str) -> None:
    """After the response: the idle clock of the session moves on (the page itself did not wait for the gate)."""
    with core.session() as db:
        staff_login.touch(db, session_id)
        db.commit()


async def check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf")
    if not isinstance(sent, str) or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise ConsoleRefused(403, "页面已过期或来源不明，没有保存。请刷新页面后再提交一次。")


def allow(*roles: StaffRole, stages: tuple[str, ...] = ("ok",)):
    """The dependency every console route declares: signed in, at one of ``stages``, in one of ``roles``;
    for anything but GET, the session's CSRF token in the form or the X-CSRF-Token header."""
    allowed = frozenset(roles)

    async def viewer(request: Request, tasks: BackgroundTasks) -> Viewer:
        found = await run_in_threadpool(_look_up, request)
        if found is None:
            raise ConsoleRedirect("/console/login")
        who, stale = found
        if stale:
            tasks.add_task(run_in_threadpool, _touch, request.app.state.core, who.session_id)
        if who.role not in allowed:
            raise ConsoleRefused(403, "你的账号没有权限使用这个页面或操作。")
        if who.stage not in stages:
            raise ConsoleRedirect(STAGE_PAGES.get(who.stage, "/console/"))
        if request.method != "GET":
            await check_csrf(request, who.csrf)
        return who

    viewer.roles = allowed  # type: ignore[attr-defined]  # read by the role × route test
    return Depends(viewer)


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A page's reads, outside the write gate; the rows it loaded stay readable by the template afterwards."""
    with request.app.state.core.read_session() as db:
        yield db
        db.expunge_all()  # before the read transaction ends, which would expire them


@contextmanager
def writing(request: Request, who: Viewer | None = None) -> Iterator[Session]:
    """One console action: one transaction through the write gate, its audit rows stamped with role and address."""
    with request.app.state.core.session() as db:
        db.info[AUDIT_CONTEXT] = {"role": who.role.value if who else None, "ip": client_ip(request)}
        yield db
        db.commit()
