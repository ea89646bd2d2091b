"""Counts of assisted cases (办件统计) for the 专区, by township, item and month, with small counts suppressed.

The smallest published cell is one point's cases of one item in one month (a **leaf**). A leaf of 1 to 4
cases is shown as 少于5, so no villager can be singled out; 0 and 5 or more are shown as they are.

No figure above a leaf is computed from the true case numbers. A township's count, an item's county count, a
month's count and every total are sums of the **published** leaves: a leaf shown as 少于5 enters a sum as
"between 1 and 4". A sum is therefore exact when none of its leaves is suppressed, 少于5 when even its upper
bound is below 5, and otherwise a range such as 12–18. Every published figure is a function of the
published leaves alone, so no total, difference of totals or comparison across pages (a township against
its points, a month against its items) can narrow a suppressed leaf below "1 to 4" (docs/zhuanqu.md).

Voided cases and cases disqualified as 违规刷单 are not counted; a case counts in the month of its business
date (the day the counter recorded it, China time).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county.models import Case, Point, Township
from county.services import catalogues
from county.services.common import utcnow
from sync.ledger.events import CHINA_TZ
from sync.ledger.kinds import CaseState

SUPPRESS_BELOW = 5
MONTHS = 12  # the months the 专区 offers, this one and the eleven before


@dataclass(frozen=True)
class Count:
    """A published figure: the bounds the published leaves allow (lo == hi when exact)."""

    lo: int
    hi: int

    def __add__(self, other: Count) -> Count:
        return Count(self.lo + other.lo, self.hi + other.hi)

    @property
    def shown(self) -> str:
        if self.lo == self.hi and (self.lo == 0 or self.lo >= SUPPRESS_BELOW):
            return str(self.lo)
        if self.hi < SUPPRESS_BELOW:
            return f"少于{SUPPRESS_BELOW}"
        return f"{self.lo}–{self.hi}"


ZERO = Count(0, 0)


def leaf(n: int) -> Count:
    """One point's count of one item in one month as published: 1 to 4 become the bounds 1..4."""
    if 0 < n < SUPPRESS_BELOW:
        return Count(1, SUPPRESS_BELOW - 1)
    return Count(n, n)


def total(counts) -> Count:
    out = ZERO
    for count in counts:
        out = out + count
    return out


def months() -> list[str]:
    """This month (China time) and the eleven before, newest first: 2026-11, 2026-10, ..."""
    today = utcnow().astimezone(CHINA_TZ).date()
    year, month = today.year, today.month
    out = []
    for _ in range(MONTHS):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _leaves(session: Session, first_month: str, point_id: int | None = None) -> dict[tuple[int, str, str], Count]:
    month = func.substr(Case.business_date, 1, 7)
    query = (
        select(Case.point_id, Case.item_code, month, func.count())
        .where(
            Case.state != CaseState.VOIDED.value,
            Case.disqualified.is_(False),
            Case.business_date >= f"{first_month}-01",
        )
        .group_by(Case.point_id, Case.item_code, month)
    )
    if point_id is not None:
        query = query.where(Case.point_id == point_id)
    shown = set(months())
    return {(pid, code, m): leaf(n) for pid, code, m, n in session.execute(query) if m in shown}


@dataclass(frozen=True)
class Table:
    rows: list[tuple[str, str, Count]]  # (key, label, count), in order
    total: Count


def _table(sums: dict[str, Count], labels: dict[str, str], order: list[str]) -> Table:
    keys = [key for key in order if key in sums] + sorted(key for key in sums if key not in order)
    rows = [(key, labels.get(key, key), sums[key]) for key in keys]
    return Table(rows, total(count for _k, _l, count in rows))


def _sum_by(leaves: dict, key) -> dict[str, Count]:
    sums: dict[str, Count] = defaultdict(lambda: ZERO)
    for found, count in leaves.items():
        sums[key(found)] += count
    return dict(sums)


def _by_month(leaves: dict, offered: list[str]) -> Table:
    sums = _sum_by(leaves, lambda k: k[2])
    return _table({month: sums.get(month, ZERO) for month in offered}, {}, offered)


@dataclass(frozen=True)
class CountsView:
    month: str
    by_township: Table
    by_item: Table
    by_month: Table


def county_counts(session: Session, month: str, township_id: int | None = None) -> CountsView:
    """The county's (or one township's) counts: by township and by item for ``month``, and by month."""
    offered = months()
    towns = dict(session.execute(select(Township.id, Township.name)).all())
    town_of = dict(session.execute(select(Point.id, Point.township_id)).all())
    leaves = _leaves(session, offered[-1])
    if township_id is not None:
        leaves = {key: count for key, count in leaves.items() if town_of.get(key[0]) == township_id}
    this_month = {key: count for key, count in leaves.items() if key[2] == month}
    items = catalogues.catalogue(session).items
    town_names = {str(tid): name for tid, name in towns.items()}
    return CountsView(
        month=month,
        by_township=_table(
            _sum_by(this_month, lambda k: str(town_of.get(k[0]))),
            town_names,
            [str(tid) for tid, _n in sorted(towns.items(), key=lambda t: t[1])],
        ),
        by_item=_table(_sum_by(this_month, lambda k: k[1]), {i.code: i.name for i in items}, [i.code for i in items]),
        by_month=_by_month(leaves, offered),
    )


def point_counts(session: Session, point_id: int, month: str) -> CountsView:
    """One point's counts: by item for ``month``, and by month (no township table)."""
    offered = months()
    leaves = _leaves(session, offered[-1], point_id=point_id)
    items = catalogues.catalogue(session).items
    this_month = {key: count for key, count in leaves.items() if key[2] == month}
    return CountsView(
        month=month,
        by_township=Table([], ZERO),
        by_item=_table(_sum_by(this_month, lambda k: k[1]), {i.code: i.name for i in items}, [i.code for i in items]),
        by_month=_by_month(leaves, offered),
    )
