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

from county.models import Case, Point
from sync.ledger.events import parse_time
from sync.ledger.kinds import CaseState
from sync.ledger.points import CaseCredit, MonthPoints, QuarterPoints, monthly_points, quarter_points


def credits(session: Session, point: Point) -> list[CaseCredit]:
    rows = session.execute(
        select(Case.case_id, Case.points, Case.completed_at, Case.state, Case.disqualified)
        .where(Case.point_id == point.id, Case.completed_at.is_not(None))
    ).all()
    return [CaseCredit(case_id=r.case_id, points_class=r.points, points=r.points,
                       completed_at=parse_time(r.completed_at),
                       voided=r.state == CaseState.VOIDED or r.disqualified) for r in rows]


def statement(session: Session, point: Point) -> tuple[dict[str, MonthPoints], dict[str, QuarterPoints]]:
    found = credits(session, point)
    return monthly_points(found), quarter_points(found)
