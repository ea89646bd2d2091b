"""The county's working-day table: seeded from the published arrangements, published to counters."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import CountyEvent
from county.services import stats_aggregates
from county.services.common import audit, utcnow
from county.services.crediting import county_workdays
from sync.ledger.workdays import WorkdayTable


def seed_table(years: list[int]) -> WorkdayTable:
    """Holidays and 调休 workdays for ``years`` from the chinesecalendar package (it covers through 2026)."""
    import chinese_calendar

    covered = {d.year for d in chinese_calendar.holidays}
    missing = [y for y in years if y not in covered]
    if missing:
        raise CountyError(
            Refusal.INVALID,
            "workdays_unknown",
            f"{'、'.join(map(str, missing))} 年的放假安排还没有收录，请在控制台手工录入。",
        )
    holidays = frozenset(d for d in chinese_calendar.holidays if d.year in years and d.weekday() < 5)
    workdays = frozenset(d for d in chinese_calendar.workdays if d.year in years and d.weekday() >= 5)
    return WorkdayTable(frozenset(years), holidays, workdays)


def publish_table(session: Session, table: WorkdayTable, *, actor: str) -> CountyEvent:
    event = CountyEvent(point_id=None, kind="workdays", payload=table.to_payload(), created_at=utcnow())
    session.add(event)
    audit(session, actor, "workdays.publish", "all", years=sorted(table.years))
    session.flush()
    from county.services.consultations import refresh_deadlines  # consultations read the table this publishes

    refresh_deadlines(session)
    stats_aggregates.refresh_workdays(session)  # the time to 办结 is counted on the table just published
    return event


MAX_YEAR_SPAN = (2000, 2100)


def parse_days(text: str, year: int, label: str) -> frozenset[date]:
    """Days as the bureau types them from the State Council's notice: 2027-01-01, one or more a line or
    separated by commas or spaces, a run as 2027-02-05~2027-02-11 (both ends included)."""
    days: set[date] = set()
    for part in text.replace("，", ",").replace("、", ",").replace("至", "~").replace(",", " ").split():
        first, _, last = part.partition("~")
        try:
            start = date.fromisoformat(first)
            end = date.fromisoformat(last) if last else start
        except ValueError:
            raise CountyError(
                Refusal.INVALID, "workdays_bad_date", f"{label}里的“{part[:30]}”不是日期，请写成 {year}-01-01 这样。"
            ) from None
        if end < start or (end - start).days > 31:
            raise CountyError(Refusal.INVALID, "workdays_bad_run", f"{label}里的“{part[:30]}”起止不对（最长 31 天）。")
        for n in range((end - start).days + 1):
            day = start + timedelta(days=n)
            if day.year != year:
                raise CountyError(
                    Refusal.INVALID, "workdays_other_year", f"{label}里的 {day.isoformat()} 不在 {year} 年内。"
                )
            days.add(day)
    return frozenset(days)


def year_days(table: WorkdayTable, year: int) -> tuple[list[date], list[date]]:
    """The year's listed holidays and 调休 workdays, each sorted."""
    return sorted(d for d in table.holidays if d.year == year), sorted(d for d in table.workdays if d.year == year)


def edit_year(session: Session, year: int, holidays_text: str, workdays_text: str, *, actor: str) -> CountyEvent:
    """Replace one year of the county's table (e.g. 2027 once the State Council publishes it) and publish the
    whole table: the county's month and deadline rules read the newest table at once, counters at their next
    sync. A holiday that falls on a weekend is dropped (the weekend is off anyway); a 调休 workday must be a
    Saturday or Sunday; no day may be both."""
    if not MAX_YEAR_SPAN[0] <= year <= MAX_YEAR_SPAN[1]:
        raise CountyError(Refusal.INVALID, "workdays_year", f"年份应在 {MAX_YEAR_SPAN[0]} 到 {MAX_YEAR_SPAN[1]} 之间。")
    listed = parse_days(holidays_text, year, "放假日期")
    workdays = parse_days(workdays_text, year, "调休上班日期")
    if both := sorted(listed & workdays):
        raise CountyError(Refusal.INVALID, "workdays_both", f"{both[0].isoformat()} 不能既是放假日又是调休上班日。")
    if weekdays := sorted(d for d in workdays if d.weekday() < 5):
        raise CountyError(
            Refusal.INVALID,
            "workdays_not_weekend",
            f"调休上班日应是周六或周日，{weekdays[0].isoformat()} 本来就是工作日。",
        )
    holidays = frozenset(d for d in listed if d.weekday() < 5)
    current = county_workdays(session)
    before_holidays, before_workdays = year_days(current, year)
    table = WorkdayTable(
        current.years | {year},
        frozenset(d for d in current.holidays if d.year != year) | holidays,
        frozenset(d for d in current.workdays if d.year != year) | workdays,
    )
    event = CountyEvent(point_id=None, kind="workdays", payload=table.to_payload(), created_at=utcnow())
    session.add(event)
    audit(
        session,
        actor,
        "workdays.edit",
        f"year:{year}",
        before={
            "covered": current.covers(year),
            "holidays": [d.isoformat() for d in before_holidays],
            "workdays": [d.isoformat() for d in before_workdays],
        },
        after={
            "holidays": sorted(d.isoformat() for d in holidays),
            "workdays": sorted(d.isoformat() for d in workdays),
        },
    )
    session.flush()
    stats_aggregates.refresh_workdays(session)  # the time to 办结 is counted on the table just edited
    return event
