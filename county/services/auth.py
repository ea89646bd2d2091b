"""Per-device authentication on every sync call: bearer credential checked against its stored hash."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal, revoked, unauthorised
from county.models import Account, Device, Point, PointRevocation
from county.services.common import sha256_hex


def authenticate(session: Session, authorization: str | None, *, lock: bool = False) -> tuple[Device, Point]:
    """The device behind ``Authorization: Device <device_id>.<token>``, refused if it or its account or point
    was revoked. ``lock`` takes a row lock on the device so its pushes are applied one at a time."""
    if not authorization or not authorization.startswith("Device "):
        raise CountyError(Refusal.UNAUTHENTICATED, "auth_missing", "缺少设备凭证，请先激活这台电脑。")
    credential = authorization[len("Device ") :].strip()
    device_id, _, token = credential.partition(".")
    if len(device_id) != 32 or not token:
        raise unauthorised()
    device = session.get(Device, device_id, with_for_update=lock)
    if device is None or not hmac.compare_digest(device.token_hash, sha256_hex(token)):
        raise unauthorised()
    return device, check_standing(session, device)


def check_standing(session: Session, device: Device) -> Point:
    """The device's point, if the point, the device's account and the device are all still in good standing.
    The point first: a revoked point cancels its accounts and devices too, and the counter should say why."""
    point = session.get(Point, device.point_id)
    if point.state != "active":
        revocation = session.scalar(
            select(PointRevocation)
            .where(PointRevocation.point_id == point.id, PointRevocation.reinstated_at.is_(None))
            .order_by(PointRevocation.id.desc())
            .limit(1)
        )
        raise revoked("point", revocation.reason if revocation else "")
    if device.state != "active":
        raise revoked("device")
    account = session.get(Account, device.account_id)
    if account.state != "active":
        raise revoked("account")
    return point
