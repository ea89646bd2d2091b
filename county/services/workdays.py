"""The county's working-day table: seeded from the published arrangements, published to counters."""

from __future__ import annotations

from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import CountyEvent
from county.services.common import audit, utcnow
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
    return event
