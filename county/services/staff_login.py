"""Console sign-in: the login throttle and lockout, and server-side sessions kept in the database.

A failed sign-in is counted per account name (a hash of it) and per client address in a sliding window. Five
wrong passwords in a row lock an account for 15 minutes; an unknown name is refused the same way and in the
same time (a dummy Argon2 check), so the answers do not tell which names exist. The session token lives only in
the browser's cookie; the database keeps its SHA-256, a CSRF token and the sign-in stage (forced password
change, TOTP set-up or check for bureau admins, then ok). Every sign-in makes a new session: no fixation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from county.errors import Refusal
from county.models import LoginFailure, StaffSession, StaffUser
from county.services.common import audit, aware, sha256_hex, utcnow
from county.services.staff import DUMMY_HASH, StaffError, StaffRole, verify_password

WINDOW = timedelta(minutes=15)
LOCK_AFTER = 5  # wrong passwords in a row for one account
PER_CLIENT = 30  # failures from one address in the window
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often (a page read stays a read)
REFUSED = "账号名或密码不对。连续输错 5 次，账号会锁定 15 分钟。"
LOCKED = "这个账号输错密码次数太多，已锁定 15 分钟，请稍后再试；忘记密码请联系县局管理员重置。"
BUSY = "这台电脑登录失败的次数太多，请 15 分钟后再试。"


@dataclass(frozen=True)
class Signed:
    """A session just started: the token for the cookie (never stored) and where the person goes next."""

    token: str
    stage: str


def _name_key(username: str) -> str:
    return hashlib.sha256(("login|" + username.strip().lower()).encode("utf-8")).hexdigest()[:32]


def stage_of(user: StaffUser) -> str:
    if user.must_change_password:
        return "change_password"
    if user.role == StaffRole.BUREAU_ADMIN:
        return "totp" if user.totp_sealed else "totp_setup"
    return "ok"


def throttled(session: Session, username: str, client: str) -> str | None:
    """Why a sign-in from ``client`` for ``username`` is refused before its password is checked, or None."""
    start = utcnow() - WINDOW
    session.execute(delete(LoginFailure).where(LoginFailure.at < start))
    count = select(func.count()).select_from(LoginFailure)
    if session.scalar(count.where(LoginFailure.client == client[:64])) >= PER_CLIENT:
        return BUSY
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is not None and user.locked_until is not None and aware(user.locked_until) > utcnow():
        return LOCKED
    if user is None and session.scalar(count.where(LoginFailure.name_key == _name_key(username))) >= LOCK_AFTER:
        return LOCKED
    return None


def sign_in(session: Session, username: str, password: str, *, client: str) -> Signed:
    """Check a name and password; on success a new session. A failure is written to the session (the caller
    commits it either way) and raised as a StaffError."""
    if why := throttled(session, username, client):
        raise StaffError(why, Refusal.TOO_MANY)
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    good = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not good or user.state != "active":
        session.add(LoginFailure(name_key=_name_key(username), client=client[:64], at=utcnow()))
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= LOCK_AFTER:
                user.locked_until, user.failed_logins = utcnow() + WINDOW, 0
                audit(session, user.username, "staff.locked", f"staff:{user.id}", client=client[:64])
        raise StaffError(REFUSED, Refusal.UNAUTHENTICATED)
    user.failed_logins, user.locked_until = 0, None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    stage = stage_of(user)
    session.add(
        StaffSession(
            id=sha256_hex(token),
            user_id=user.id,
            csrf=secrets.token_urlsafe(32),
            stage=stage,
            ip=client[:64],
            created_at=now,
            last_seen_at=now,
        )
    )
    audit(session, user.username, "staff.sign_in", f"staff:{user.id}", client=client[:64])
    return Signed(token, stage)


def find(session: Session, token: str | None) -> tuple[StaffSession, StaffUser] | None:
    """The live session of a cookie token: not idle past IDLE, not older than ABSOLUTE, its account active."""
    if not token or len(token) > 100:
        return None
    row = session.get(StaffSession, sha256_hex(token))
    if row is None:
        return None
    now = utcnow()
    if now - aware(row.last_seen_at) > IDLE or now - aware(row.created_at) > ABSOLUTE:
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or user.state != "active":
        return None
    return row, user


def touch(session: Session, session_id: str) -> None:
    row = session.get(StaffSession, session_id)
    if row is not None:
        row.last_seen_at = utcnow()


def sign_out(session: Session, session_id: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.id == session_id))


def end_all(session: Session, user_id: int, *, keep: str | None = None) -> None:
    """Every other session of an account ends (after a password change or a reset)."""
    query = delete(StaffSession).where(StaffSession.user_id == user_id)
    if keep:
        query = query.where(StaffSession.id != keep)
    session.execute(query)


TOTP_LOCKED = "动态码连续输错 5 次，账号已锁定 15 分钟，请稍后重新登录。"


def _totp_key(user: StaffUser) -> str:
    return hashlib.sha256(f"totp|{user.id}".encode()).hexdigest()[:32]


def totp_throttled(session: Session, user: StaffUser) -> str | None:
    """Why a TOTP code is not even checked: the account is locked, or it had too many wrong codes lately.
    Counted in the database like wrong passwords, so every county instance sees the same count."""
    if user.locked_until is not None and aware(user.locked_until) > utcnow():
        return TOTP_LOCKED
    session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - WINDOW))
    wrong = session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.name_key == _totp_key(user))
    )
    return TOTP_LOCKED if wrong >= LOCK_AFTER else None


def totp_failed(session: Session, user: StaffUser, *, client: str) -> bool:
    """Count a wrong code; at the fifth in the window the account locks and its sessions end. True if locked."""
    session.add(LoginFailure(name_key=_totp_key(user), client=client[:64], at=utcnow()))
    session.flush()
    wrong = session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.name_key == _totp_key(user))
    )
    if wrong < LOCK_AFTER:
        return False
    user.locked_until = utcnow() + WINDOW
    end_all(session, user.id)
    audit(session, user.username, "staff.locked", f"staff:{user.id}", client=client[:64], reason="totp")
    return True


def totp_passed(session: Session, user: StaffUser) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.name_key == _totp_key(user)))
