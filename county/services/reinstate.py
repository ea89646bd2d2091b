"""Reinstatement (恢复) of an account or point revoked by mistake: one audited change, told to its devices.

Revoking an account only marks that row; its devices keep their credentials and are refused because of the
account's standing (``county.services.auth.check_standing``). Revoking a point cancels all its accounts and
devices at once and records exactly which (county/services/revocation.py); reinstating the point brings back
those and no other: a device or account stopped on its own (``revoke_device``, ``revoke_account``, before or
after the revocation) stays stopped, and a device whose account is still revoked stays refused.
The bureau is shown which devices work again and which do not, and why; the audit log records both lists.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import Account, Device, Point
from county.services.admin import AdminError, tell_devices
from county.services.common import audit, utcnow
from county.services.revocation import cancelled
from county.services.revocation import open_revocation as revocation_in_force

MAX_REASON = 200


@dataclass(frozen=True)
class DeviceStanding:
    device: Device
    point_code: str
    why_stopped: str = ""  # empty: the device may sync again


@dataclass(frozen=True)
class Reinstated:
    """What the bureau is shown after a reinstatement."""

    what: str  # 代办员账号 3（王秀英）
    reason: str
    devices: tuple[DeviceStanding, ...]

    @property
    def working(self) -> list[DeviceStanding]:
        return [d for d in self.devices if not d.why_stopped]

    @property
    def stopped(self) -> list[DeviceStanding]:
        return [d for d in self.devices if d.why_stopped]


def parse_account_id(text: str) -> int:
    """An account number as typed on the command line, refused in Chinese when it is not one."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit() and 0 < len(cleaned) <= 9):
        raise AdminError("账号编号应是一个数字（新建账号时打印的编号，例如 12）。什么都没有改。")
    return int(cleaned)


def check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise AdminError(
            "请用 --reason 写明恢复的原因（例如：经核实属误注销），它会记入审计日志并告诉代办点。什么都没有改。"
        )
    if len(text) > MAX_REASON:
        raise AdminError(f"恢复原因最多 {MAX_REASON} 个字，现在有 {len(text)} 个字。什么都没有改。")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text):
        raise AdminError("恢复原因里有看不见的控制字符，请重新输入。什么都没有改。")
    return text


def _standing(device: Device, point: Point, account: Account) -> DeviceStanding:
    if device.state != "active":
        why = "这台设备被单独停用过，恢复账号或代办点不会恢复它；需要时请给账号发新的激活码重新激活。"
    elif point.state != "active":
        why = f"代办点 {point.code} 仍处于撤销状态，恢复代办点后才能同步。"
    elif account.state != "active":
        why = f"它所属的代办员账号 {account.id}（{account.name}）仍处于注销状态，恢复账号后才能同步。"
    else:
        why = ""
    return DeviceStanding(device, point.code, why)


def _devices(session: Session, **where) -> tuple[DeviceStanding, ...]:
    query = (
        select(Device, Point, Account)
        .join(Point, Point.id == Device.point_id)
        .join(Account, Account.id == Device.account_id)
    )
    for column, value in where.items():
        query = query.where(getattr(Device, column) == value)
    rows = session.execute(query.order_by(Point.code, Device.device_no)).all()
    return tuple(_standing(device, point, account) for device, point, account in rows)


def _reinstate(
    session: Session,
    row: Account | Point,
    what: str,
    *,
    reason: str | None,
    actor: str,
    feed: dict,
    devices: dict,
    target: str,
    before_devices=None,
) -> Reinstated:
    """The change itself, shared by accounts and points: active again, told to the point's devices, audited."""
    if row.state != "revoked":
        verb = "注销" if isinstance(row, Account) else "撤销"
        raise AdminError(f"{what}没有被{verb}，不需要恢复。什么都没有改。")
    reason = check_reason(reason)
    row.state, row.revoked_at = "active", None
    point_id = row.point_id if isinstance(row, Account) else row.id
    tell_devices(session, point_id, {**feed, "state": "active", "reason": reason})
    extra = before_devices(reason) if before_devices else {}
    session.flush()
    result = Reinstated(what, reason, _devices(session, **devices))
    audit(
        session,
        actor,
        f"{target.split(':')[0]}.reinstate",
        target,
        reason=reason,
        devices_working=[d.device.id for d in result.working],
        devices_stopped=[d.device.id for d in result.stopped],
        **extra,
    )
    return result


def reinstate_account(session: Session, account_id: int, reason: str | None, *, actor: str) -> Reinstated:
    """Make a revoked account active again; its devices that were not stopped on their own sync again."""
    account = session.get(Account, account_id, with_for_update=True)
    if account is None:
        raise AdminError(f"没有编号为 {account_id} 的代办员账号。什么都没有改。")
    return _reinstate(
        session,
        account,
        f"代办员账号 {account.id}（{account.name}）",
        reason=reason,
        actor=actor,
        feed={"account_id": account.id},
        devices={"account_id": account.id},
        target=f"account:{account.id}",
    )


def reinstate_point(session: Session, point_code: str, reason: str | None, *, actor: str) -> Reinstated:
    """Make a revoked point active again; its devices sync again unless their account or they themselves are stopped."""
    code = point_code.strip()
    if not (code.isascii() and code.isdigit() and len(code) == 4):
        raise AdminError("代办点编号是 4 位数字，例如 0427。什么都没有改。")
    point = session.scalar(select(Point).where(Point.code == code).with_for_update())
    if point is None:
        raise AdminError(f"没有编号为 {code} 的代办点。什么都没有改。")

    def bring_back(checked_reason: str) -> dict:
        """Exactly what the point's revocation in force cancelled, and is still its own, is active again."""
        revocation = revocation_in_force(session, point.id)
        if revocation is None:  # revoked before revocations were recorded: the point alone
            return {}
        back = cancelled(session, revocation)
        for account in session.scalars(select(Account).where(Account.id.in_([int(a) for a in back["account"]]))):
            if account.state == "revoked":
                account.state, account.revoked_at = "active", None
        for device in session.scalars(select(Device).where(Device.id.in_(back["device"]))):
            device.state = "active"
        revocation.reinstated_at, revocation.reinstated_by = utcnow(), actor
        revocation.reinstate_reason = checked_reason
        return {"revocation": revocation.id, "accounts_back": [int(a) for a in back["account"]]}

    return _reinstate(
        session,
        point,
        f"代办点 {point.code}（{point.name}）",
        reason=reason,
        actor=actor,
        feed={"point": point.code},
        devices={"point_id": point.id},
        target=f"point:{point.code}",
        before_devices=bring_back,
    )
