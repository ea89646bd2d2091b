"""Console staff accounts (工作人员账号): roles, Argon2id passwords, one-time passwords, TOTP for bureau admins."""

from __future__ import annotations

import secrets
from enum import StrEnum

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import StaffUser, Township
from county.services import texts
from county.services.common import CODE_ALPHABET, audit, utcnow
from county.services.pii import PiiBox
from sync.ledger.catalogue import load_units


class StaffRole(StrEnum):
    BUREAU_ADMIN = "bureau_admin"
    BUREAU_CLERK = "bureau_clerk"
    TOWNSHIP = "township"
    DEPARTMENT = "department"
    FINANCE = "finance"


ROLE_LABELS = {
    StaffRole.BUREAU_ADMIN: "县局管理员",
    StaffRole.BUREAU_CLERK: "县局工作人员",
    StaffRole.TOWNSHIP: "乡镇工作人员",
    StaffRole.DEPARTMENT: "部门工作人员",
    StaffRole.FINANCE: "财政审计（只读）",
}
ALL_ROLES = frozenset(StaffRole)
BUREAU = frozenset({StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK})
MIN_PASSWORD = 10
HASHER = PasswordHasher()  # Argon2id, the library's RFC 9106 low-memory profile
DUMMY_HASH = HASHER.hash(secrets.token_hex(16))  # verified against when the name is unknown: same time either way


class StaffError(CountyError):
    def __init__(self, message: str, kind: Refusal = Refusal.INVALID):
        super().__init__(kind, "staff", message)


def one_time_password() -> str:
    """Fourteen unambiguous characters in groups, e.g. 'K7QX-M2PA-9TRD-XY' (about 70 bits); changed at first use."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(14))
    return "-".join(raw[i : i + 4] for i in range(0, 14, 4))


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_new_password(password: str, *, username: str) -> str:
    """A password a person chose: long enough, not the account name, not one repeated character."""
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"新密码至少 {MIN_PASSWORD} 个字符，可以用一句好记的话。")
    if len(password) > 200:
        raise StaffError("新密码最多 200 个字符。")
    if username.lower() in password.lower() or len(set(password)) < 4:
        raise StaffError("新密码太容易猜：不要包含账号名，也不要用重复的字符。")
    return password


def _username(raw: str) -> str:
    name = raw.strip().lower()
    if not (3 <= len(name) <= 40 and name.isascii() and all(ch.isalnum() or ch in "._-" for ch in name)):
        raise StaffError("账号名用 3 到 40 个英文字母、数字或 . _ -，例如 zhangsan 或 yaoli.li。")
    return name


def create_staff(
    session: Session,
    username: str,
    display_name: str,
    role: str,
    *,
    township_id: int | None = None,
    unit_code: str | None = None,
    actor: str,
) -> tuple[StaffUser, str]:
    """A new staff account and its one-time password (shown once; the account must change it at first sign-in)."""
    name = _username(username)
    display = texts.person_name(display_name)
    if role not in ALL_ROLES:
        raise StaffError("请选择一个角色。")
    if role == StaffRole.TOWNSHIP and (township_id is None or session.get(Township, township_id) is None):
        raise StaffError("乡镇工作人员要选定一个乡镇。")
    if role == StaffRole.DEPARTMENT and unit_code not in load_units():
        raise StaffError("部门工作人员要选定一个办理单位。")
    if session.scalar(select(StaffUser).where(StaffUser.username == name)):
        raise StaffError(f"账号名「{name}」已被使用，请换一个。什么都没有改。")
    password = one_time_password()
    user = StaffUser(
        username=name,
        display_name=display,
        role=role,
        township_id=township_id if role == StaffRole.TOWNSHIP else None,
        unit_code=unit_code if role == StaffRole.DEPARTMENT else None,
        password_hash=hash_password(password),
        must_change_password=True,
        failed_logins=0,
        state="active",
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit(session, actor, "staff.create", f"staff:{user.id}", username=name, role=role)
    return user, password


def change_password(session: Session, user: StaffUser, old: str, new: str, *, actor: str) -> None:
    if not verify_password(user.password_hash, old):
        raise StaffError("原密码不对。什么都没有改。")
    if old == new:
        raise StaffError("新密码不能和原密码相同。")
    user.password_hash = hash_password(check_new_password(new, username=user.username))
    user.must_change_password = False
    audit(session, actor, "staff.password", f"staff:{user.id}")


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="乡村随身办县级端")


def seal_totp(box: PiiBox, user: StaffUser, secret: str) -> str:
    return box.seal({"totp": secret}, f"totp-{user.id}")


def check_totp(box: PiiBox, user: StaffUser, code: str, *, secret: str | None = None) -> bool:
    """A six-digit code from the authenticator app, one 30-second step either side allowed for clock drift."""
    secret = secret or (box.open(user.totp_sealed, f"totp-{user.id}")["totp"] if user.totp_sealed else None)
    digits = "".join(ch for ch in code if ch.isdigit())
    return bool(secret) and len(digits) == 6 and pyotp.TOTP(secret).verify(digits, for_time=utcnow(), valid_window=1)


def create_first_admin(session: Session, username: str, display_name: str, *, actor: str) -> tuple[StaffUser, str]:
    """The first bureau admin (``suishenban-county create-admin``): refused once an active admin exists."""
    existing = session.scalar(
        select(StaffUser).where(StaffUser.role == StaffRole.BUREAU_ADMIN, StaffUser.state == "active")
    )
    if existing is not None:
        raise StaffError(f"已经有县局管理员账号（{existing.username}），请由管理员在县级端网页中新建账号。")
    return create_staff(session, username, display_name, StaffRole.BUREAU_ADMIN, actor=actor)
