"""A point's points (积分) at the county: from its completed cases, monthly cap, quarter totals.

Computed from the case table on every request, so a disqualified or voided case is reflected at once.
A late event (a case completed offline in a month already past) is credited to its completion month:
the month's total is recomputed (still capped at 1000). A quarter already settled is not reopened
automatically; the settlement records what was paid, and a later difference shows up for the bureau
to act on (supervision page, later issue).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import Case, CountyEvent, Point
from county.services.common import utcnow
from sync.ledger.events import parse_time
from sync.ledger.kinds import CaseState
from sync.ledger.points import CaseCredit, MonthPoints, QuarterPoints, monthly_points, quarters_of


def credits(session: Session, point: Point) -> list[CaseCredit]:
    rows = session.execute(
        select(Case.case_id, Case.points, Case.completed_at, Case.state, Case.disqualified)
        .where(Case.point_id == point.id, Case.completed_at.is_not(None))
    ).all()
    return [CaseCredit(case_id=r.case_id, points_class=r.points, points=r.points,
                       completed_at=parse_time(r.completed_at),
                       voided=r.state == CaseState.VOIDED or r.disqualified) for r in rows]


def statement(session: Session, point: Point) -> tuple[dict[str, MonthPoints], dict[str, QuarterPoints]]:
    months = monthly_points(credits(session, point))
    return months, quarters_of(months)


def statement_payload(session: Session, point: Point) -> dict:
    """The statement as the feed carries it to the point's devices (积分对账单)."""
    months, quarters = statement(session, point)
    return {
        "months": {m.month: {"raw": m.raw, "credited": m.credited, "capped": m.capped, "cases": m.case_count}
                   for m in months.values()},
        "quarters": {q.quarter: q.credited for q in quarters.values()},
    }


def publish_statement_if_changed(session: Session, point: Point) -> bool:
    """Queue a points statement for the point's devices when its figures changed since the last one."""
    payload = statement_payload(session, point)
    last = session.scalar(select(CountyEvent.payload).where(CountyEvent.point_id == point.id,
                                                           CountyEvent.kind == "points_statement")
                          .order_by(CountyEvent.id.desc()).limit(1))
    if last == payload:
        return False
    session.add(CountyEvent(point_id=point.id, kind="points_statement", payload=payload, created_at=utcnow()))
    return True
