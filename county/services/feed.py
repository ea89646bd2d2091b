"""The pull feed (下行) and the status digest a device uses to catch silent gaps."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from county.models import CountyEvent, Device, LedgerEvent
from county.services.common import iso, utcnow
from sync.ledger.kinds import CaseState
from sync.wire import Head, MonthDigest, PullItem, PullResult, StatusResult, month_digest

FEED_V1 = 1
# the feed level that first parses each newer kind
KIND_SINCE = {"return_mailing": 2, "consult_answer": 3, "flowchart": 4, "consult_route": 5}
NEW_IN_V2_STATUSES = frozenset({CaseState.MATERIALS_RECEIVED.value})


def understood(row: CountyEvent, feed_version: int) -> bool:
    """Whether a counter pulling with ``feed_version`` parses this item (sync.wire.FEED_VERSION).

    A counter released before 材料已签收 knows neither that status nor 部门回寄: its strict wire model would
    refuse the whole page, and its lifecycle the status. It is simply not sent them; skipping 材料已签收 leaves
    it at 材料已送交, from where the department's 受理 still moves it, and the cursor still passes them by.
    Likewise consult_answer (代办点转来的咨询) is sent only from feed 3, the level of the counters that relay
    questions; an older counter never relayed one, and its strict wire model would refuse the page. And an
    approved flowchart (flowchart, 部门审定的流程图) from feed 4: an older counter keeps drawing its sample.
    And which unit answers a relayed consultation and by when (consult_route, 答复单位与时限) from feed 5: an older
    counter shows its question as received, as it always did, and still gets the answer from feed 3.
    """
    if feed_version < KIND_SINCE.get(row.kind, FEED_V1):
        return False
    return feed_version > FEED_V1 or not (row.kind == "case_status" and row.payload.get("status") in NEW_IN_V2_STATUSES)


def pull(session: Session, device: Device, cursor: int, limit: int, feed_version: int = FEED_V1) -> PullResult:
    """County events for this device's point (and for every point) after ``cursor``, oldest first.

    Items a counter of ``feed_version`` does not understand are left out; the cursor moves past them all the same.
    """
    rows = session.scalars(
        select(CountyEvent)
        .where(CountyEvent.id > cursor, or_(CountyEvent.point_id == device.point_id, CountyEvent.point_id.is_(None)))
        .order_by(CountyEvent.id)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        PullItem(cursor=r.id, kind=r.kind, created_at=iso(r.created_at), payload=r.payload)
        for r in rows
        if understood(r, feed_version)
    ]
    device.last_seen_at = utcnow()
    session.commit()
    return PullResult(items=items, next_cursor=rows[-1].id if rows else cursor, more=more, server_time=iso(utcnow()))


def status(session: Session, device: Device) -> StatusResult:
    """The device's head at the county and, per month, how many of its events the county holds."""
    by_month: dict[str, list[str]] = defaultdict(list)
    for month, event_id in session.execute(
        select(LedgerEvent.month, LedgerEvent.event_id).where(LedgerEvent.device_id == device.id)
    ):
        by_month[month].append(event_id)
    months = {m: MonthDigest(count=len(ids), digest=month_digest(ids)) for m, ids in sorted(by_month.items())}
    return StatusResult(
        device_state=device.state,
        head=Head(seq=device.head_seq, hash=device.head_hash),
        months=months,
        server_time=iso(utcnow()),
    )
