"""What the bureau does to the organisation: townships, points, accounts, activation codes, revocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import (
    Account,
    ActivationCode,
    CountyEvent,
    Device,
    Point,
    PointRevocation,
    RevocationItem,
    Township,
)
from county.services import texts, trainings
from county.services.common import audit, iso, new_activation_code, sha256_hex, utcnow
from sync.ledger.events import CHINA_TZ

POINT_KINDS = {"shop": "代办点", "team": "帮代办队伍", "outlet": "合作网点"}


class AdminError(CountyError):
    def __init__(self, message: str):
        super().__init__(Refusal.INVALID, "admin", message)


def create_township(session: Session, name: str, *, actor: str) -> Township:
    name = texts.org_name(name, field="township", label="乡镇名称", max_len=40)
    if session.scalar(select(Township).where(Township.name == name)):
        raise AdminError(f"乡镇「{name}」已经存在。")
    township = Township(name=name, created_at=utcnow())
    session.add(township)
    session.flush()
    audit(session, actor, "township.create", f"township:{township.id}", name=name)
    return township


def create_point(
    session: Session, name: str, township: str, *, kind: str = "shop", code: str | None = None, actor: str
) -> Point:
    name = texts.org_name(name, field="point", label="代办点名称", max_len=60)
    found = session.scalar(select(Township).where(Township.name == township.strip()))
    if found is None:
        raise AdminError(f"没有乡镇「{township}」，请先创建乡镇。")
    if kind not in POINT_KINDS:
        raise AdminError("服务单位类型只能是 shop（代办点）、team（帮代办队伍）或 outlet（合作网点）。")
    if code is None:
        highest = session.scalar(select(func.max(Point.code))) or "0000"
        code = f"{int(highest) + 1:04d}"
    if not (len(code) == 4 and code.isdigit() and code != "9999"):
        raise AdminError("代办点编号是 4 位数字（9999 留给培训模式）。")
    if session.scalar(select(Point).where(Point.code == code)):
        raise AdminError(f"代办点编号 {code} 已被使用。")
    point = Point(code=code, name=name, kind=kind, township_id=found.id, created_at=utcnow())
    session.add(point)
    session.flush()
    audit(session, actor, "point.create", f"point:{code}", name=point.name, township=township, kind=kind)
    return point


def point_by_code(session: Session, code: str) -> Point:
    point = session.scalar(select(Point).where(Point.code == code))
    if point is None:
        raise AdminError(f"没有编号为 {code} 的代办点。")
    return point


def _same_name(session: Session, point: Point, name: str) -> AdminError | None:
    found = session.scalar(select(Account).where(Account.point_id == point.id, Account.name == name))
    if found is None:
        return None
    hint = (
        f"那个账号已注销，如是同一个人，请用 reinstate-account {found.id} 恢复。"
        if found.state != "active"
        else "如是同一个人，请用 issue-code 给原账号发激活码；如是同名的另一个人，请在名字后加上区分（如「王秀英（二组）」）。"
    )
    return AdminError(
        f"代办点 {point.code} 已有名为「{name}」的代办员账号（账号 {found.id}），"
        f"同一代办点不能有两个同名账号。{hint}什么都没有改。"
    )


def create_account(session: Session, point_code: str, name: str, *, actor: str, override_reason: str = "") -> Account:
    """A new agent account, only for an agent trained for this point (or with the bureau's written reason, kept as a
    waiver); two accounts of one point never share a name (a unique constraint keeps it so)."""
    point = point_by_code(session, point_code)
    if point.state != "active":
        raise AdminError(f"代办点 {point.code} 已撤销，不能新建代办员账号；如需恢复，请先恢复代办点。什么都没有改。")
    name = texts.person_name(name)
    if (same := _same_name(session, point, name)) is not None:
        raise same
    trainings.require_trained(session, point, name, override_reason, actor=actor)
    account = Account(point_id=point.id, name=name, created_at=utcnow())
    try:
        with session.begin_nested():  # two clerks at once: the constraint refuses the second
            session.add(account)
            session.flush()
    except IntegrityError:
        raise _same_name(session, point, name) or AdminError("代办员账号没有建成，请再试一次。什么都没有改。") from None
    audit(session, actor, "account.create", f"account:{account.id}", point=point_code, name=account.name)
    return account


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, then only its hash exists
    expires_at: str


def issue_activation_code(
    session: Session, account_id: int, *, ttl: timedelta, actor: str, override_reason: str = ""
) -> IssuedCode:
    account = session.get(Account, account_id)
    if account is None or account.state != "active":
        raise AdminError("这个代办员账号不存在或已注销，不能发激活码。")
    if session.get(Point, account.point_id).state != "active":
        raise AdminError("这个代办员账号所在的代办点已撤销，不能发激活码；请先恢复代办点。")
    trainings.require_trained(session, session.get(Point, account.point_id), account.name, override_reason, actor=actor)
    code = new_activation_code()
    now = utcnow()
    session.add(ActivationCode(code_hash=sha256_hex(code), account_id=account.id, created_at=now, expires_at=now + ttl))
    audit(session, actor, "activation.issue", f"account:{account.id}", expires_at=iso(now + ttl))
    return IssuedCode(code, (now + ttl).astimezone(CHINA_TZ).strftime("%Y年%m月%d日 %H:%M"))


def tell_devices(session: Session, point_id: int, state: dict) -> None:
    """An ``account_state`` item on the pull feed of every device of the point."""
    session.add(CountyEvent(point_id=point_id, kind="account_state", payload=state, created_at=utcnow()))


def revoke_account(session: Session, account_id: int, reason: str, *, actor: str) -> None:
    account = session.get(Account, account_id)
    if account is None:
        raise AdminError("没有这个代办员账号。")
    reason = texts.line(reason, field="reason", label="注销原因", max_len=200, required=False)
    taken = take_over(session, "account", str(account.id))
    if account.state != "active" and not taken:
        raise AdminError(f"代办员账号 {account.id} 已经注销了。什么都没有改。")
    account.state, account.revoked_at = "revoked", utcnow()
    tell_devices(session, account.point_id, {"account_id": account.id, "state": "revoked", "reason": reason})
    audit(session, actor, "account.revoke", f"account:{account.id}", reason=reason)


def take_over(session: Session, kind: str, ref: str) -> bool:
    """The bureau decides about one account or device on its own: a point revocation in force that cancelled it
    no longer brings it back at reinstatement. True when there was such a revocation."""
    items = session.scalars(
        select(RevocationItem)
        .join(PointRevocation, PointRevocation.id == RevocationItem.revocation_id)
        .where(
            RevocationItem.kind == kind,
            RevocationItem.ref == ref,
            RevocationItem.superseded.is_(False),
            PointRevocation.reinstated_at.is_(None),
        )
    ).all()
    for item in items:
        item.superseded = True
    return bool(items)


def find_device(session: Session, ref: str) -> Device:
    """A device by its id, or as list-devices shows it: point code and device number (0427-1)."""
    text = ref.strip()
    point_code, dash, number = text.partition("-")
    if dash and point_code.isascii() and point_code.isdigit() and number.isascii() and number.isdigit():
        device = session.scalar(
            select(Device)
            .join(Point, Point.id == Device.point_id)
            .where(Point.code == point_code, Device.device_no == int(number))
        )
    else:
        device = session.get(Device, text) if len(text) == 32 else None
    if device is None:
        raise AdminError(f"没有这台设备（{text[:40]}）。请用 list-devices 查看设备编号，例如 0427-1。什么都没有改。")
    return device


def revoke_device(session: Session, ref: str, reason: str, *, actor: str) -> Device:
    """Stop one device (a stolen or replaced computer); its account and point go on with their other devices."""
    device = find_device(session, ref)
    reason = texts.line(reason, field="reason", label="停用原因", max_len=200, required=False)
    if not reason:
        raise AdminError("请用 --reason 写明停用这台设备的原因，它会记入审计日志。什么都没有改。")
    if not take_over(session, "device", device.id) and device.state != "active":
        raise AdminError("这台设备已经停用了。什么都没有改。")
    device.state = "revoked"
    audit(session, actor, "device.revoke", f"device:{device.id}", reason=reason)
    return device


def list_devices(session: Session, point_code: str | None = None) -> list[tuple[Device, Point]]:
    query = select(Device, Point).join(Point, Point.id == Device.point_id).order_by(Point.code, Device.device_no)
    if point_code:
        query = query.where(Point.code == point_code)
    return [(d, p) for d, p in session.execute(query).all()]
