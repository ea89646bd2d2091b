"""The points directory (代办点名录) of the public 专区: what the bureau records for the public about a point.

The bureau sets a point's village, address, opening hours and phone on the console's point page. The phone is
often the shopkeeper's own mobile, so it is published only where the point agreed (``phone_public``, off
until the bureau ticks it). Only active points are listed; a revoked point disappears from the 专区 at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Point, Township
from county.services import texts, units
from county.services.admin import POINT_KINDS, point_by_code
from county.services.common import audit

_PHONE = re.compile(r"[0-9][0-9-]{5,18}[0-9]")


@dataclass(frozen=True)
class Listing:
    """One point as the 专区 shows it; ``phone`` is empty unless the point agreed to publish it."""

    code: str
    name: str
    kind_label: str
    township: str
    village: str
    address: str
    hours: str
    phone: str
    activity: tuple[str, ...] = ()  # an outlet's activity days (活动日), county/services/units.py


def set_listing(
    session: Session,
    code: str,
    *,
    village: str,
    address: str,
    hours: str,
    phone: str,
    phone_public: bool,
    actor: str,
) -> Point:
    """Record what the 专区 shows of a point (one transaction, the caller commits); audited."""
    point = point_by_code(session, code)
    village = texts.line(village, field="village", label="所在村", max_len=40, required=False)
    address = texts.line(address, field="address", label="地址", max_len=120, required=False)
    hours = texts.line(hours, field="hours", label="营业时间", max_len=60, required=False)
    phone = (phone or "").strip().replace(" ", "")
    if phone and not _PHONE.fullmatch(phone):
        raise CountyError(Refusal.INVALID, "bad_phone", "电话只能填数字和短横线，例如 0798-2612345 或 13912345678。")
    if phone_public and not phone:
        raise CountyError(Refusal.INVALID, "no_phone", "要公开电话，请先填写电话。")
    point.village, point.address, point.hours = village, address, hours
    point.phone, point.phone_public = phone, bool(phone_public)
    audit(session, actor, "point.listing", f"point:{point.code}", phone_public=point.phone_public)
    return point


def _listing(point: Point, township: str, days: dict | None = None) -> Listing:
    return Listing(
        code=point.code,
        name=point.name,
        kind_label=POINT_KINDS.get(point.kind, point.kind),
        township=township,
        village=point.village or "",
        address=point.address or "",
        hours=point.hours or "",
        phone=point.phone if point.phone_public and point.phone else "",
        activity=tuple(units.describe(d) for d in (days or {}).get(point.id, ())),
    )


def _active():
    return (
        select(Point, Township.name)
        .join(Township, Township.id == Point.township_id)
        .where(Point.state == "active")
        .order_by(Township.name, Point.village, Point.code)
    )


def listings(session: Session, township_id: int | None = None) -> list[Listing]:
    """Every active point (of one township), by township, then village, then code."""
    query = _active() if township_id is None else _active().where(Point.township_id == township_id)
    found = session.execute(query).all()
    days = _days(session, [point for point, _ in found])
    return [_listing(point, township, days) for point, township in found]


def _days(session: Session, points: list[Point]) -> dict:
    return units.schedule(session, [p.id for p in points if p.kind == "outlet"])


def townships(session: Session) -> list[tuple[int, str, int]]:
    """(id, name, active points) of every township, by name; townships without an active point too."""
    active = func.count(Point.id).filter(Point.state == "active")
    query = (
        select(Township.id, Township.name, active)
        .outerjoin(Point, Point.township_id == Township.id)
        .group_by(Township.id, Township.name)
        .order_by(Township.name)
    )
    return [(tid, name, n) for tid, name, n in session.execute(query)]


def listing(session: Session, code: str) -> Listing | None:
    """One active point by its 4-digit code; None for an unknown or revoked point."""
    found = session.execute(_active().where(Point.code == code[:4])).first()
    return _listing(*found, _days(session, [found[0]])) if found else None
