"""Points (积分) per the county's rules (附件2 第四条–第八条): per-case credit, monthly cap, quarters.

The rules, as coded here:

- A case (办件) earns the points of its item's class, 1 to 5 (第四条, 附件3), once, when it
  completes (enters COMPLETED for the first time; a repeat county 办结 changes nothing). Pass
  one CaseCredit per case that has completed; cases that never completed earn nothing.
- The points count in the calendar month of completion in China time (UTC+8): a case completed at
  2026-11-30 23:30+08:00 counts in November although UTC already says the 30th, 15:30 — and one
  completed at 2026-12-01 00:00+08:00 (UTC 2026-11-30 16:00) counts in December.
- A voided case earns nothing. A payment voided after completion (a wrong entry found later) loses
  its credit: its CaseCredit carries voided=True and its month is recomputed without it.
- An agent point earns at most MONTHLY_CAP (1000) points per calendar month (第七条). The cap cuts the
  cases completed last in the month: cases are taken in order of completion time, ties broken by
  case_id, and the case that crosses the cap is credited only the part that fits.
- Points are settled once a quarter (第六条): a quarter's total is the sum of its three capped
  monthly totals, never a cap applied to the quarter.
- Only agent points with a platform account issued by the county bureau earn (第五条), and rewards go
  to the township, which hands them out by each point's record (第八条). Both are the county's
  concern at settlement; nothing here checks them.

Late events: an event that reaches the counter after its month has closed — a case completed offline
on 30 November and synced in December, or a county 办结 pulled late — is counted by the counter in its
completion month (its figures are only an estimate to show the agent). The county's clock decides
(docs/points.md): while the month is still open the county credits it there too, so it may lift that
month's total (up to the cap) or, if voided, lower it; after the month closed, the county credits it to
the month it received it in, and its CaseCredit carries ``credited_at``: it counts in that month, in that
order. Whether a quarter already settled is reopened is decided by the county's settlement.
Everything here is deterministic and independent of input order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sync.ledger.events import CHINA_TZ

__all__ = [
    "CHINA_TZ",
    "MONTHLY_CAP",
    "CaseAward",
    "CaseCredit",
    "MonthPoints",
    "QuarterPoints",
    "award_cases",
    "month_of",
    "monthly_points",
    "quarter_of",
    "quarter_points",
    "remaining_this_month",
]

MONTHLY_CAP = 1000  # 第七条: 每一代办点每月积分累计最高不超过 1000 积分
POINTS_CLASSES = range(1, 6)  # 一类 … 五类

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class CaseCredit:
    """One completed case as the points rules see it."""

    case_id: str
    points_class: int
    points: int
    completed_at: datetime  # timezone-aware
    voided: bool = False
    credited_at: datetime | None = None  # the county credits it at another time (a late completion): its month

    @property
    def counted_at(self) -> datetime:
        """When the case counts: its completion, or the time the county credited it at instead."""
        return self.credited_at or self.completed_at

    def __post_init__(self) -> None:
        if not self.case_id:
            raise ValueError("积分记录缺少办件编号。")
        if self.points_class not in POINTS_CLASSES:
            raise ValueError("积分类别只能是一类到五类。")
        if self.points < 0:
            raise ValueError("办件积分不能是负数。")
        _require_aware(self.completed_at)
        if self.credited_at is not None:
            _require_aware(self.credited_at)


@dataclass(frozen=True)
class CaseAward:
    """What one case earns: its raw points and the part of them the monthly cap lets through."""

    case_id: str
    month: str  # "2026-11", China time
    points: int  # raw
    credited: int  # after the monthly cap


@dataclass(frozen=True)
class MonthPoints:
    """One calendar month of an agent point's points."""

    month: str
    raw: int
    credited: int  # min(raw, cap)
    capped: bool  # the cap cut something off (raw > cap)
    by_class: dict[int, int]  # raw points per class present, in class order
    case_count: int  # completed, not voided


@dataclass(frozen=True)
class QuarterPoints:
    """One quarter's settlement estimate: the sum of its months' capped totals."""

    quarter: str  # "2026-Q4"
    credited: int
    months: tuple[MonthPoints, ...]  # the months that have cases, in order


def month_of(dt: datetime) -> str:
    """The calendar month ("2026-11") that an aware datetime falls in, in China time."""
    local = _require_aware(dt).astimezone(CHINA_TZ)
    return f"{local.year:04d}-{local.month:02d}"


def quarter_of(month: str) -> str:
    """The quarter ("2026-Q4") of a month written "2026-11"."""
    match = _MONTH.fullmatch(month)
    if match is None:
        raise ValueError("月份格式应为“年-月”，例如 2026-11。")
    return f"{match[1]}-Q{(int(match[2]) - 1) // 3 + 1}"


def award_cases(credits: Iterable[CaseCredit], cap: int = MONTHLY_CAP) -> list[CaseAward]:
    """What each non-voided case earns, in order of month, completion time and case_id."""
    return [award for _credit, award in _awarded(credits, cap)]


def monthly_points(credits: Iterable[CaseCredit], cap: int = MONTHLY_CAP) -> dict[str, MonthPoints]:
    """Each month's totals, keyed and sorted by month; months without cases are absent."""
    groups: dict[str, list[tuple[CaseCredit, CaseAward]]] = {}
    for credit, award in _awarded(credits, cap):
        groups.setdefault(award.month, []).append((credit, award))
    result: dict[str, MonthPoints] = {}
    for month, pairs in groups.items():  # already in month order
        by_class: dict[int, int] = {}
        for credit, _award in pairs:
            by_class[credit.points_class] = by_class.get(credit.points_class, 0) + credit.points
        raw = sum(award.points for _credit, award in pairs)
        result[month] = MonthPoints(
            month=month,
            raw=raw,
            credited=sum(award.credited for _credit, award in pairs),
            capped=raw > cap,
            by_class=dict(sorted(by_class.items())),
            case_count=len(pairs),
        )
    return result


def quarter_points(credits: Iterable[CaseCredit], cap: int = MONTHLY_CAP) -> dict[str, QuarterPoints]:
    """Each quarter's credited total, keyed and sorted by quarter."""
    return quarters_of(monthly_points(credits, cap))


def quarters_of(months: Mapping[str, MonthPoints]) -> dict[str, QuarterPoints]:
    """The quarters of months already totalled (monthly_points), keyed and sorted by quarter."""
    groups: dict[str, list[MonthPoints]] = {}
    for month in months.values():
        groups.setdefault(quarter_of(month.month), []).append(month)
    return {
        quarter: QuarterPoints(
            quarter=quarter,
            credited=sum(month.credited for month in months),
            months=tuple(months),
        )
        for quarter, months in groups.items()
    }


def remaining_this_month(credits: Iterable[CaseCredit], now: datetime, cap: int = MONTHLY_CAP) -> int:
    """How many more points the agent point can earn in the China-time month that `now` is in."""
    month = monthly_points(credits, cap).get(month_of(now))
    return cap - (month.credited if month else 0)


def _awarded(credits: Iterable[CaseCredit], cap: int) -> list[tuple[CaseCredit, CaseAward]]:
    """Apply the monthly cap to the live cases, earliest completed first."""
    if cap < 0:
        raise ValueError("每月积分上限不能是负数。")
    used: dict[str, int] = {}
    pairs: list[tuple[CaseCredit, CaseAward]] = []
    for credit in _live_in_order(credits):
        month = month_of(credit.counted_at)
        credited = min(credit.points, cap - used.get(month, 0))
        used[month] = used.get(month, 0) + credited
        pairs.append((credit, CaseAward(credit.case_id, month, credit.points, credited)))
    return pairs


def _live_in_order(credits: Iterable[CaseCredit]) -> list[CaseCredit]:
    """The non-voided credits by completion time then case_id; one per case.

    The same case passed twice with identical content counts once; passed twice with different
    content it is a caller's bug, refused rather than guessed at.
    """
    by_id: dict[str, CaseCredit] = {}
    for credit in credits:
        seen = by_id.setdefault(credit.case_id, credit)
        if seen != credit:
            raise ValueError(f"同一办件有两条不一致的积分记录：{credit.case_id}")
    live = (credit for credit in by_id.values() if not credit.voided)
    return sorted(live, key=lambda credit: (credit.counted_at, credit.case_id))


def _require_aware(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("时间缺少时区，无法判断属于哪个月。")
    return dt
