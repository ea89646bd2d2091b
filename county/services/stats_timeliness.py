"""Statistics of the departments' speed (办理时效): approval items' time to 办结 and the cases past their time limit.

- time to 办结 (办结用时): for each approval case completed in the window (China date of its completion), the
  working days from the day the department signed for the materials (材料已签收) to the day it was completed,
  counted on the county's working-day table (county/services/crediting.py ``county_workdays``) as the due dates
  are (county/services/due.py); shown as the median and the 90th percentile (nearest rank: the smallest value
  with at least half, or nine tenths, of the cases at or below it), by township and by item. A percentile of
  a township is not summed: the county's is taken over all the county's cases.
- overdue (超期未办结): the cases still open today whose time limit has passed (``due.case_due`` says 已超期).

Both read running aggregates kept by the database on every write (county/services/stats_aggregates.py): a
histogram of working days per (month, township, item), and the open cases per (township, item, flow, start day).
"""

from __future__ import annotations

import math
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from county.models import StatsDoneDays, StatsOpenCase
from county.services.crediting import county_workdays
from county.services.due import DueState, case_due, time_limits
from county.services.scope import Scope
from county.services.staff import StaffRole
from county.services.statistics import OUTSIDE_CATALOGUE, Row, Table
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import CHINA_TZ
from sync.ledger.kinds import CaseState, Flow

OPEN_STATE = CaseState.RECORDED.value  # any open state: case_due asks only whether the case is still open

COLUMNS = ("done", "median", "p90", "overdue")


def percentile(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile: the smallest value with at least ``share`` of ``values`` at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def percentile_of_counts(counts: dict[int, int], share: float) -> int | None:
    """``percentile`` of a histogram {value: how many}: the same nearest rank, without the list."""
    total = sum(counts.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(share * total)), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return None  # unreachable: seen ends at total >= rank


def _where(scope: Scope, table) -> tuple:
    if scope.role is StaffRole.TOWNSHIP:
        return (table.township_id == scope.township_id,)
    if scope.county_wide:
        return ()
    codes = sorted(scope.item_codes or ())
    return (table.item_code.in_(codes) if codes else false(),)


def durations(session: Session, scope: Scope, months: tuple[str, ...]) -> list[tuple[str, str, int, int]]:
    """(township id, item code, working days, cases) of the approval cases completed in the window, from the
    running aggregate (county/services/stats_aggregates.py: counted on the county's working-day table)."""
    d = StatsDoneDays
    query = (
        select(d.township_id, d.item_code, d.days, func.sum(d.cases))
        .where(d.month >= months[0], d.month <= months[-1], *_where(scope, d))
        .group_by(d.township_id, d.item_code, d.days)
    )
    return [(str(t), code, days, int(n)) for t, code, days, n in session.connection().execute(query).all() if n]


def overdue(session: Session, scope: Scope, now: datetime) -> list[tuple[str, str, int]]:
    """(township id, item code, cases) of the open cases past their time limit today (county clock): each
    distinct (item, flow, start day) of the running aggregate is put to ``case_due`` once."""
    table, limits = county_workdays(session), time_limits()
    today = now.astimezone(CHINA_TZ).date()
    o = StatsOpenCase
    query = select(o.township_id, o.item_code, o.flow, o.start_date, o.cases).where(o.cases != 0, *_where(scope, o))
    late: dict[tuple[str, str, str], bool] = {}
    out = []
    for town, item, flow, start, cases in session.connection().execute(query).all():
        key = (item, flow, start)
        if key not in late:
            signed = f"{start}T12:00:00.000+08:00" if flow == Flow.APPROVAL.value and start else None
            probe = SimpleNamespace(state=OPEN_STATE, flow=flow, materials_signed_at=signed, business_date=start)
            late[key] = bool(start) and case_due(probe, limits.get(item), table, today).state is DueState.OVERDUE
        if late[key]:
            out.append((str(town), item, cases))
    return out


def _row(key: str, label: str, days: dict[int, int], late: int) -> Row:
    median, p90 = percentile_of_counts(days, 0.5), percentile_of_counts(days, 0.9)
    return Row(key, label, {"done": sum(days.values()), "median": median, "p90": p90, "overdue": late})


def _table(name: str, title: str, heading: str, keys, spans: dict[str, dict[int, int]], late: dict[str, int]) -> Table:
    every: dict[int, int] = {}
    for counts in spans.values():
        for days, n in counts.items():
            every[days] = every.get(days, 0) + n
    rows = tuple(_row(key, label, spans.get(key, {}), late.get(key, 0)) for key, label in keys)
    fixed = {"median": percentile_of_counts(every, 0.5), "p90": percentile_of_counts(every, 0.9)}
    return Table(name, title, heading, COLUMNS, rows, fixed)


def tables(
    session: Session, scope: Scope, months: tuple[str, ...], now: datetime, towns: list[tuple[str, str]]
) -> dict[str, Table]:
    """办理时效 by township and by item (the items with a time limit, and any other that has a figure)."""
    spans, late = durations(session, scope, months), overdue(session, scope, now)
    by_town: dict[str, dict[int, int]] = {}
    by_item: dict[str, dict[int, int]] = {}
    for town, item, days, n in spans:
        for counts in (by_town.setdefault(town, {}), by_item.setdefault(item, {})):
            counts[days] = counts.get(days, 0) + n
    late_town: dict[str, int] = {}
    late_item: dict[str, int] = {}
    for town, item, n in late:
        late_town[town] = late_town.get(town, 0) + n
        late_item[item] = late_item.get(item, 0) + n
    items = [(i.code, f"{i.code} {i.name}") for i in load_catalogue().items if i.guide.time_limit_days]
    known = {code for code, _label in items}
    items += [(c, f"{c} {OUTSIDE_CATALOGUE}") for c in sorted((set(by_item) | set(late_item)) - known)]
    return {
        "speed_township": _table("speed_township", "各乡镇办理时效", "乡镇", towns, by_town, late_town),
        "speed_item": _table("speed_item", "各事项办理时效", "事项", items, by_item, late_item),
    }
