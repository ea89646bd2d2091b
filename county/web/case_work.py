"""What the department's pages show beside a case: its due date (办理时限) and return mailings, read in scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from county.models import Case, Point, ReturnMailing
from county.services.crediting import county_workdays
from county.services.due import Due, DueState, case_due, time_limits
from county.services.scope import Scope
from sync.ledger.events import china_now
from sync.ledger.kinds import CaseState, EventType
from sync.ledger.lifecycle import LifecycleError, next_state

QUEUE_STATES = ("recorded", "materials_sent", "materials_received", "accepted", "in_review")
ACTIONS = (("materials_received", "签收材料"), ("accepted", "受理"), ("in_review", "审批中"), ("completed", "办结"))


def offered_actions(case: Case) -> list[tuple[str, str]]:
    """The steps (besides 退回) the case's flow allows from where it stands; a same-state repeat is not offered."""
    out = []
    for status, label in ACTIONS:
        if status == case.state:
            continue
        try:
            next_state(case.flow, CaseState(case.state), EventType.CASE_STATUS_CHANGED, {"status": status})
        except LifecycleError:
            continue
        out.append((status, label))
    return out


class DueDates:
    """Due dates of many cases against one working-day table and one today (China date, county clock)."""

    def __init__(self, db: Session) -> None:
        self.table, self.today, self.limits = county_workdays(db), china_now().date(), time_limits()

    def of(self, case: Case) -> Due:
        return case_due(case, self.limits.get(case.item_code), self.table, self.today)


def can_return(case: Case) -> bool:
    """Whether 退回 applies from where the case stands (a reason is always asked for)."""
    try:
        next_state(case.flow, CaseState(case.state), EventType.CASE_STATUS_CHANGED, {"status": "returned"})
    except LifecycleError:
        return False
    return case.state != CaseState.RETURNED


QUEUE_PAGE = 500  # the queue page lists the oldest this many; the desk's counts cover the whole queue


def queue_query(scope: Scope, limit: int | None = QUEUE_PAGE):
    """The department's open cases (the queue), in scope, oldest first; the page sorts them by due date."""
    query = (
        scope.cases()
        .where(Case.state.in_(QUEUE_STATES), Case.flow != "payment")
        .order_by(Case.business_date, Case.receipt_no)
    )
    return query if limit is None else query.limit(limit)


def due_counts(db: Session, scope: Scope) -> dict[str, int]:
    """The 工作台's overdue and soon-due counts of a department's whole queue (read in batches)."""
    dues, counts = DueDates(db), {DueState.OVERDUE: 0, DueState.SOON: 0}
    for case in db.scalars(queue_query(scope, limit=None).execution_options(yield_per=1000)):
        state = dues.of(case).state
        if state in counts:
            counts[state] += 1
    return {"overdue": counts[DueState.OVERDUE], "due_soon": counts[DueState.SOON]}


# 部门回寄 in the department's queue: where each return mailing stands at the counter, by filter
RETURNS_PAGE = 500
RM = ReturnMailing
RETURN_FILTERS: dict[str, tuple[str, ColumnElement[bool]]] = {
    "returns": ("回寄在途", RM.handed_at.is_(None)),
    "waiting": ("待群众领取", RM.arrived_at.is_not(None) & RM.handed_at.is_(None)),
    "handed": ("已交群众", RM.handed_at.is_not(None)),
}
RETURN_ORDER = {
    "returns": (RM.mailed_at, RM.mailing_id),
    "waiting": (RM.arrived_at, RM.mailing_id),
    "handed": (RM.handed_at.desc(), RM.mailing_id),
}


@dataclass(frozen=True)
class ReturnRow:
    """One return mailing on the queue page, with its case's receipt number, point and item."""

    case: Case
    point_code: str
    mailing: ReturnMailing
    state: str  # mailed / arrived / handed_over (the data exchange's words)
    label: str  # 部门已寄出 / 已到代办点，待群众领取 / 已交群众
    when: str  # the day of that step


def return_state(mailing: ReturnMailing) -> tuple[str, str, str]:
    if mailing.handed_at:
        return "handed_over", "已交群众", mailing.handed_date or mailing.handed_at[:10]
    if mailing.arrived_at:
        return "arrived", "已到代办点，待群众领取", mailing.arrived_at[:10]
    return "mailed", "部门已寄出", mailing.mailed_at[:10]


def return_rows(db: Session, scope: Scope, show: str) -> list[ReturnRow]:
    """The department's return mailings under one filter, in scope (its items' cases): the oldest waiting first,
    the latest handed over first; at most ``RETURNS_PAGE``."""
    _label, condition = RETURN_FILTERS[show]
    found = db.execute(
        select(RM, Case, Point.code)
        .join(Case, Case.case_id == RM.case_id)
        .join(Point, Point.id == Case.point_id)
        .where(scope.case_filter(), condition)
        .order_by(*RETURN_ORDER[show])
        .limit(RETURNS_PAGE)
    ).all()
    return [ReturnRow(case, code, mailing, *return_state(mailing)) for mailing, case, code in found]


def return_counts(db: Session, scope: Scope) -> dict[str, int]:
    """How many return mailings each filter holds, in scope (one query)."""
    columns = [func.count().filter(condition).label(show) for show, (_label, condition) in RETURN_FILTERS.items()]
    row = db.execute(
        select(*columns).select_from(RM).join(Case, Case.case_id == RM.case_id).where(scope.case_filter())
    ).one()
    return {show: int(getattr(row, show) or 0) for show in RETURN_FILTERS}
