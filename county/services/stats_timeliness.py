"""Statistics of the departments' speed (办理时效): approval items' time to 办结 and the cases past their time limit.

- time to 办结 (办结用时): for each approval case completed in the window (China date of its completion), the
  working days from the day the department signed for the materials (材料已签收) to the day it was completed,
  counted on the county's working-day table (county/services/crediting.py ``county_workdays``) as the due dates
  are (county/services/due.py); shown as the median and the 90th percentile (nearest rank: the smallest value
  with at least half, or nine tenths, of the cases at or below it), by township and by item. A percentile of
  a township is not summed: the county's is taken over all the county's cases.
- overdue (超期未办结): the cases still open today whose time limit has passed (``due.case_due`` says 已超期).
"""

from __future__ import annotations

import math
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import Case, Point
from county.services.crediting import county_workdays
from county.services.due import DueState, case_due, signed_on, time_limits
from county.services.scope import Scope
from county.services.statistics import OUTSIDE_CATALOGUE, Row, Table
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import CHINA_TZ, parse_time
from sync.ledger.kinds import CaseState, Flow
from sync.ledger.workdays import OPEN_STATES, working_days_between

COLUMNS = ("done", "median", "p90", "overdue")


def percentile(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile: the smallest value with at least ``share`` of ``values`` at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _completed_on(completed_at: str) -> date:
    return parse_time(completed_at).astimezone(CHINA_TZ).date()


def durations(session: Session, scope: Scope, months: tuple[str, ...]) -> list[tuple[str, str, int]]:
    """(township id, item code, working days) of each approval case completed in the window."""
    table = county_workdays(session)
    query = (
        select(Point.township_id, Case.item_code, Case.materials_signed_at, Case.completed_at)
        .select_from(Case)
        .join(Point, Point.id == Case.point_id)
        .where(
            scope.case_filter(),
            Case.flow == Flow.APPROVAL.value,
            Case.state == CaseState.COMPLETED.value,
            Case.materials_signed_at.is_not(None),
            Case.completed_at.is_not(None),
            Case.completed_month >= _before(months[0]),  # device month: a day either side of China midnight
        )
    )
    out = []
    for row in session.execute(query):  # columns, not entities: a year of approvals is thousands of rows
        done, start = _completed_on(row.completed_at), signed_on(row)
        if months[0] <= f"{done:%Y-%m}" <= months[-1] and start is not None:
            out.append((str(row.township_id), row.item_code, working_days_between(start, done, table)))
    return out


def _before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def overdue(session: Session, scope: Scope, now: datetime) -> list[tuple[str, str]]:
    """(township id, item code) of each open case past its time limit today (county clock)."""
    table, limits = county_workdays(session), time_limits()
    today = now.astimezone(CHINA_TZ).date()
    query = (
        select(Point.township_id, Case.item_code, Case.state, Case.flow, Case.materials_signed_at, Case.business_date)
        .select_from(Case)
        .join(Point, Point.id == Case.point_id)
        .where(
            scope.case_filter(),
            Case.flow != Flow.PAYMENT.value,
            Case.state.in_(sorted(state.value for state in OPEN_STATES)),
        )
    )
    return [  # case_due reads the columns it needs by name, from a row as from a Case
        (str(row.township_id), row.item_code)
        for row in session.execute(query)
        if case_due(row, limits.get(row.item_code), table, today).state is DueState.OVERDUE
    ]


def _row(key: str, label: str, days: list[int], late: int) -> Row:
    figures = {"done": len(days), "median": percentile(days, 0.5), "p90": percentile(days, 0.9), "overdue": late}
    return Row(key, label, figures)


def _table(name: str, title: str, heading: str, keys, spans: dict[str, list[int]], late: dict[str, int]) -> Table:
    every = [d for days in spans.values() for d in days]
    rows = tuple(_row(key, label, spans.get(key, []), late.get(key, 0)) for key, label in keys)
    fixed = {"median": percentile(every, 0.5), "p90": percentile(every, 0.9)}
    return Table(name, title, heading, COLUMNS, rows, fixed)


def tables(
    session: Session, scope: Scope, months: tuple[str, ...], now: datetime, towns: list[tuple[str, str]]
) -> dict[str, Table]:
    """办理时效 by township and by item (the items with a time limit, and any other that has a figure)."""
    spans, late = durations(session, scope, months), overdue(session, scope, now)
    by_town: dict[str, list[int]] = {}
    by_item: dict[str, list[int]] = {}
    for town, item, days in spans:
        by_town.setdefault(town, []).append(days)
        by_item.setdefault(item, []).append(days)
    late_town: dict[str, int] = {}
    late_item: dict[str, int] = {}
    for town, item in late:
        late_town[town] = late_town.get(town, 0) + 1
        late_item[item] = late_item.get(item, 0) + 1
    items = [(i.code, f"{i.code} {i.name}") for i in load_catalogue().items if i.guide.time_limit_days]
    known = {code for code, _label in items}
    items += [(c, f"{c} {OUTSIDE_CATALOGUE}") for c in sorted((set(by_item) | set(late_item)) - known)]
    return {
        "speed_township": _table("speed_township", "各乡镇办理时效", "乡镇", towns, by_town, late_town),
        "speed_item": _table("speed_item", "各事项办理时效", "事项", items, by_item, late_item),
    }
