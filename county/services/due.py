"""Due dates (办理时限) of the cases a department works, in working days, from the county's working-day table.

An approval item's time limit (承诺时限, the guide's working days) runs from the day the department signed for
the materials (材料已签收); an online item's from the day it was submitted at the counter. A deadline that
crosses, or a today that falls in, a year the county's table does not cover is shown as 时限待确认 — never
guessed from weekends alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from county.models import Case
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import CHINA_TZ, parse_time
from sync.ledger.kinds import CaseState, Flow
from sync.ledger.workdays import OPEN_STATES, UNCONFIRMED, WorkdayTable, add_working_days, working_days_between

SOON_WORKDAYS = 2  # 即将到期: due today or within this many working days after today


class DueState(IntEnum):
    """Ordered as the queue sorts: overdue first."""

    OVERDUE = 0  # 已超期
    SOON = 1  # 即将到期
    RUNNING = 2
    UNCONFIRMED = 3  # 时限待确认
    NOT_STARTED = 4  # waiting for the department to sign for the materials
    NONE = 5  # closed, instant, or no time limit


DUE_CSS = {
    DueState.OVERDUE: "due-overdue",
    DueState.SOON: "due-soon",
    DueState.RUNNING: "due-running",
    DueState.UNCONFIRMED: "due-unconfirmed",
    DueState.NOT_STARTED: "due-waiting",
    DueState.NONE: "",
}


@dataclass(frozen=True)
class Due:
    state: DueState
    label: str
    day: date | None = None

    @property
    def css(self) -> str:
        return DUE_CSS[self.state]

    @property
    def sort_key(self) -> tuple[int, date]:
        return (self.state, self.day or date.max)


def time_limits() -> dict[str, int | None]:
    """Each item's time limit in working days, from the newest catalogue (None: no deadline applies)."""
    return {item.code: item.guide.time_limit_days for item in load_catalogue().items}


def signed_on(case: Case) -> date | None:
    return parse_time(case.materials_signed_at).astimezone(CHINA_TZ).date() if case.materials_signed_at else None


def case_due(case: Case, days: int | None, table: WorkdayTable, today: date) -> Due:
    """Where ``case`` stands against its time limit on ``today`` (China date, county clock)."""
    if not days or CaseState(case.state) not in OPEN_STATES or case.flow == Flow.PAYMENT:
        return Due(DueState.NONE, "")
    if case.flow == Flow.APPROVAL:
        start = signed_on(case)
        if start is None:
            return Due(DueState.NOT_STARTED, f"签收材料后 {days} 个工作日")
    else:
        start = date.fromisoformat(case.business_date)
    deadline = add_working_days(start, days, table)
    if not deadline.confirmed or not table.covers(today.year):
        return Due(DueState.UNCONFIRMED, UNCONFIRMED)
    day = deadline.day
    if today > day:
        late = working_days_between(day, today, table)
        text = f"已超期 {late} 个工作日" if late else "已超期"
        return Due(DueState.OVERDUE, f"{day:%Y年%m月%d日}到期，{text}", day)
    left = working_days_between(today, day, table)  # after today
    if left <= SOON_WORKDAYS:
        text = "今天到期" if day == today else f"还剩 {left} 个工作日"
        return Due(DueState.SOON, f"即将到期：{day:%Y年%m月%d日}（{text}）", day)
    return Due(DueState.RUNNING, f"{day:%Y年%m月%d日}前（还剩 {left} 个工作日）", day)
