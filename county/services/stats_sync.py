"""Sync health (同步情况) by township, for the statistics page: which points the county has not heard from, the
last batch received, and the devices whose clock or history needs a look.

- active (在用代办点): points not revoked;
- silent (7天以上未同步): active points none of whose active devices has been seen (a push or a pull) in the last
  ``SILENT_DAYS`` days by the county clock — a point never seen counts as silent;
- clock (时钟不准): active devices whose last measured clock skew was beyond the limit (``Device.clock_wrong``);
- tamper (记录篡改标记): tamper flags not yet resolved;
- last batch (最近收到数据): the latest batch received from a point of the township, China time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from county.models import Device, Point, SyncBatch, TamperFlag
from county.services.scope import Scope
from county.services.statistics import Row, Table
from sync.ledger.events import CHINA_TZ

SILENT_DAYS = 7
COLUMNS = ("active", "silent", "clock", "tamper", "last_batch")


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for UTC columns; PostgreSQL aware ones."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _shown(moment: datetime | None) -> str | None:
    return None if moment is None else f"{_as_utc(moment).astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"


def table(session: Session, scope: Scope, now: datetime, towns: list[tuple[str, str]]) -> Table:
    cutoff = now - timedelta(days=SILENT_DAYS)
    active = Point.state == "active"
    last_seen = (
        select(Point.township_id.label("town"), func.max(Device.last_seen_at).label("last"))
        .outerjoin(Device, (Device.point_id == Point.id) & (Device.state == "active"))
        .where(scope.point_filter(), active)
        .group_by(Point.township_id, Point.id)
        .subquery()
    )
    silent = case((last_seen.c.last.is_(None) | (last_seen.c.last < cutoff), 1), else_=0)
    seen = select(last_seen.c.town, func.count(), func.sum(silent)).group_by(last_seen.c.town)
    count: dict[str, dict[str, int]] = {c: {} for c in ("active", "silent", "clock", "tamper")}
    for town, points, quiet in session.connection().execute(seen).all():  # a row per township, counted in the database
        count["active"][str(town)] = int(points)
        if quiet:
            count["silent"][str(town)] = int(quiet)
    wrong = (
        select(Point.township_id, func.count())
        .select_from(Device)
        .join(Point, Point.id == Device.point_id)
        .where(scope.point_filter(), active, Device.state == "active", Device.clock_wrong.is_(True))
        .group_by(Point.township_id)
    )
    count["clock"] = {str(t): n for t, n in session.execute(wrong)}
    flags = (
        select(Point.township_id, func.count())
        .select_from(TamperFlag)
        .join(Point, Point.id == TamperFlag.point_id)
        .where(scope.point_filter(), TamperFlag.resolved_at.is_(None))
        .group_by(Point.township_id)
    )
    count["tamper"] = {str(t): n for t, n in session.execute(flags)}
    batches = (
        select(Point.township_id, func.max(SyncBatch.received_at))
        .select_from(SyncBatch)
        .join(Point, Point.id == SyncBatch.point_id)
        .where(scope.point_filter())
        .group_by(Point.township_id)
    )
    last = {str(t): _as_utc(at) for t, at in session.execute(batches) if at is not None}
    rows = tuple(
        Row(key, label, {**{c: count[c].get(key, 0) for c in count}, "last_batch": _shown(last.get(key))})
        for key, label in towns
    )
    return Table(
        "sync",
        "各乡镇同步情况",
        "乡镇",
        COLUMNS,
        rows,
        {"last_batch": _shown(max(last.values(), default=None))},
        current=True,
    )
