"""Working days (工作日): statutory holidays and 调休 workdays, for time limits and the 2-working-day rule.

The county keeps the table (seeded from the published State Council arrangements, editable in the
console) and pushes it to counters. For a year the table does not cover, only weekends are counted
and the deadline is marked unconfirmed (时限待确认).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import resources
from sync.ledger.catalogue import Item
from sync.ledger.kinds import CaseState, Flow

UNCONFIRMED = "时限待确认"
OPEN_STATES = frozenset(
    {
        CaseState.RECORDED,
        CaseState.MATERIALS_SENT,
        CaseState.MATERIALS_RECEIVED,
        CaseState.ACCEPTED,
        CaseState.IN_REVIEW,
    }
)


@dataclass(frozen=True)
class WorkdayTable:
    years: frozenset[int]
    holidays: frozenset[date]  # weekdays off (法定节假日)
    workdays: frozenset[date]  # weekend days worked (调休上班)

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def to_payload(self) -> dict[str, Any]:
        return {
            "years": sorted(self.years),
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "workdays": sorted(d.isoformat() for d in self.workdays),
        }


def table_from_payload(payload: Mapping[str, Any]) -> WorkdayTable:
    """Parse a table as the county publishes it; raises ValueError on anything malformed."""
    years = frozenset(int(y) for y in payload["years"])
    holidays = frozenset(date.fromisoformat(d) for d in payload["holidays"])
    workdays = frozenset(date.fromisoformat(d) for d in payload["workdays"])
    if any(d.year not in years for d in holidays | workdays):
        raise ValueError("a listed day falls outside the covered years")
    if holidays & workdays:
        raise ValueError("a day cannot be both a holiday and a workday")
    return WorkdayTable(years, holidays, workdays)


def bundled_table() -> WorkdayTable:
    """The table shipped with the software, used until the county's arrives."""
    return table_from_payload(resources.read_json("workdays", "cn.json"))


@dataclass(frozen=True)
class Deadline:
    day: date
    confirmed: bool  # False when a year crossed is not in the table: weekends only were counted

    def label(self) -> str:
        text = f"{self.day:%Y年%m月%d日}"
        return text if self.confirmed else f"{text}（{UNCONFIRMED}）"


def add_working_days(start: date, days: int, table: WorkdayTable) -> Deadline:
    """The ``days``-th working day after ``start`` (the start day itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, left, confirmed = start, days, table.covers(start.year)
    while left:
        day += timedelta(days=1)
        confirmed = confirmed and table.covers(day.year)
        if table.is_workday(day):
            left -= 1
    return Deadline(day, confirmed)


def working_days_between(start: date, end: date, table: WorkdayTable) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += table.is_workday(day)
    return count


def case_due(
    item: Item,
    flow: Flow,
    state: CaseState,
    business_date: date,
    accepted_on: date | None,
    table: WorkdayTable,
    *,
    signed_on: date | None = None,
) -> str:
    """When an open case should be done, in words; "" when no deadline applies (即时办结, none set, or closed).

    An online item's time limit runs from the day it was submitted at the counter; an approval item's from
    the day the department signed for the materials (材料已签收) — or, for a case it accepted without signing
    first, from the day it accepted (受理). A day no table covers is counted by weekends only and marked
    时限待确认.
    """
    days = item.guide.time_limit_days
    if not days or state not in OPEN_STATES:
        return ""
    if flow is Flow.APPROVAL and accepted_on is None and signed_on is None:
        return f"部门签收材料后 {days} 个工作日内（部门还没有签收）"
    if flow is Flow.APPROVAL:
        start = signed_on or accepted_on
        counted = f"部门{'签收材料' if signed_on else '受理'}后 {days} 个工作日"
    else:
        start, counted = business_date, f"{days} 个工作日"
    assert start is not None
    deadline = add_working_days(start, days, table)
    if not deadline.confirmed:
        uncovered = sorted({start.year, deadline.day.year} - table.years)
        counted += f"；{UNCONFIRMED}：{'、'.join(map(str, uncovered))} 年的放假安排县里还没有发布，只扣除了周末"
    return f"{deadline.day:%Y年%m月%d日}前（{counted}）"
