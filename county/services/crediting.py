"""The county's clock decides which month a completion earns its points in (docs/points.md, 入账月份).

A completion counts in its own month while that month is open: until the end of its 5th working day of the
next month (the county's working-day table), or a later day the bureau set for one point (``extend_month``).
After that it counts in the month the county received it (a sync file: when it was imported), flagged
``late``. A completion dated in the county's future (beyond a small tolerance), before the device was
enrolled or before its case was recorded is kept but earns nothing, flagged with why.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.config import ClockRules
from county.errors import CountyError, Refusal
from county.models import CountyEvent, MonthExtension, Point
from county.services.common import audit, utcnow
from sync.ledger.events import CHINA_TZ, format_time, parse_time
from sync.ledger.points import month_of, quarter_of
from sync.ledger.workdays import (
    WorkdayTable,
    add_working_days,
    bundled_table,
    table_from_payload,
)
from sync.wire import CREDIT_FLAG_LABELS

log = logging.getLogger(__name__)

LATE, FUTURE, BEFORE_CASE, BEFORE_ENROLMENT = "late", "future", "before_case", "before_enrolment"
UNPAID_FLAGS = (FUTURE, BEFORE_CASE, BEFORE_ENROLMENT)  # kept in the ledger, earn nothing
FLAG_LABELS = CREDIT_FLAG_LABELS


@dataclass(frozen=True)
class Credit:
    """Where one completion's points go: ``month`` and ``credited_at`` are None when it earns nothing."""

    credited_at: str | None
    month: str | None
    flag: str | None = None

    @property
    def message(self) -> str:
        return FLAG_LABELS.get(self.flag or "", "")


def county_workdays(session: Session) -> WorkdayTable:
    """The newest table the county published, the shipped one filling the years it does not cover."""
    payload = session.scalar(
        select(CountyEvent.payload)
        .where(CountyEvent.kind == "workdays", CountyEvent.point_id.is_(None))
        .order_by(CountyEvent.id.desc())
        .limit(1)
    )
    bundled = bundled_table()
    if payload is None:
        return bundled
    try:
        table = table_from_payload(json.loads(payload) if isinstance(payload, str) else payload)
    except (ValueError, KeyError, TypeError):  # publish_table only ever stores a checked table
        log.error("the published working-day table does not parse; the shipped one is used")
        return bundled

    def keep(own: frozenset[date], theirs: frozenset[date]) -> frozenset[date]:
        return theirs | frozenset(d for d in own if d.year not in table.years)

    return WorkdayTable(
        table.years | bundled.years, keep(bundled.holidays, table.holidays), keep(bundled.workdays, table.workdays)
    )


def month_closes(month: str, table: WorkdayTable, open_workdays: int = 5) -> date:
    """The last day (China time) a completion of ``month`` is still credited to it: the 5th working day after."""
    year, number = int(month[:4]), int(month[5:7])
    first_of_next = date(year + number // 12, number % 12 + 1, 1)
    return add_working_days(first_of_next - timedelta(days=1), open_workdays, table).day


class MonthClock:
    """One batch's view of the county's clock for one point: now, the working-day table, the extensions."""

    def __init__(self, session: Session, point: Point, rules: ClockRules, now: datetime):
        self.session, self.point, self.rules, self.now = session, point, rules, now
        self._table: WorkdayTable | None = None
        self._extensions: dict[str, date] | None = None

    def open_until(self, month: str) -> date:
        if self._table is None:  # read only for a batch that completes something
            self._table = county_workdays(self.session)
            self._extensions = {
                m: date.fromisoformat(d)
                for m, d in self.session.execute(
                    select(MonthExtension.month, MonthExtension.until_date).where(
                        MonthExtension.point_id == self.point.id
                    )
                )
            }
        closes = month_closes(month, self._table, self.rules.open_workdays)
        extended = (self._extensions or {}).get(month)
        return max(closes, extended) if extended else closes

    def credit(self, completed_at: str, *, recorded_at: str | None, enrolled_at: datetime) -> Credit:
        """Where a completion dated ``completed_at`` (device time) by a device enrolled at ``enrolled_at`` counts."""
        slack = timedelta(seconds=self.rules.tolerance_seconds)
        try:
            moment = parse_time(completed_at)
        except ValueError:
            return Credit(None, None, FUTURE)  # not a time at all: treated as one the county cannot have reached
        if moment > self.now + slack:
            return Credit(None, None, FUTURE)
        if self.rules.check_enrolment and moment < _aware(enrolled_at) - slack:
            return Credit(None, None, BEFORE_ENROLMENT)
        if recorded_at is not None and moment < _time_or_none(recorded_at, moment) - slack:
            return Credit(None, None, BEFORE_CASE)
        month = month_of(moment)
        if self.now.astimezone(CHINA_TZ).date() <= self.open_until(month):
            return Credit(completed_at, month)
        received = format_time(self.now)
        return Credit(received, month_of(self.now), LATE)


def _time_or_none(text: str, fallback: datetime) -> datetime:
    try:
        return parse_time(text)
    except ValueError:
        return fallback


def _aware(moment: datetime) -> datetime:
    """SQLite hands back the UTC times it stores without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def extend_month(
    session: Session, point: Point, month: str, until: date, reason: str, *, actor: str, rules: ClockRules | None = None
) -> MonthExtension:
    """Keep ``month`` open for ``point`` through ``until`` (China time); audited. Affects completions received from now."""
    rules = rules or ClockRules()
    if not reason.strip():
        raise CountyError(
            Refusal.INVALID, "reason_required", "延长入账期必须用 --reason 写明原因，它会记入审计日志。什么都没有改。"
        )
    try:
        quarter_of(month)
    except ValueError:
        raise CountyError(
            Refusal.INVALID, "bad_month", f"月份应写成“年-月”，例如 2026-11（收到的是 {month[:20]}）。什么都没有改。"
        ) from None
    closes = month_closes(month, county_workdays(session), rules.open_workdays)
    if until <= closes:
        raise CountyError(
            Refusal.INVALID,
            "not_later",
            f"{month} 的入账期本来就到 {closes:%Y年%m月%d日}，延长的日期要比这晚。什么都没有改。",
        )
    found = session.scalar(
        select(MonthExtension).where(MonthExtension.point_id == point.id, MonthExtension.month == month)
    )
    if found is None:
        found = MonthExtension(
            point_id=point.id,
            month=month,
            until_date=until.isoformat(),
            reason=reason.strip(),
            actor=actor,
            created_at=utcnow(),
        )
        session.add(found)
    else:
        found.until_date, found.reason, found.actor, found.created_at = (
            until.isoformat(),
            reason.strip(),
            actor,
            utcnow(),
        )
    audit(
        session,
        actor,
        "month.extend",
        f"point:{point.code}",
        month=month,
        until=until.isoformat(),
        reason=reason.strip(),
        closes=closes.isoformat(),
    )
    return found
