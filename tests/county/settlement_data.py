"""Cases written straight into the county's tables for settlement tests (the ingest path has its own tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from sqlalchemy.orm import Session

from county.models import Case, Point
from county.services import admin
from sync.ledger.events import CHINA_TZ, format_time

_numbers = count(1)


def china(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA_TZ)


def org(session: Session) -> dict[str, Point]:
    """Two townships: 甲 with points 0001 and 0002, 乙 with 0003."""
    for name in ("甲乡", "乙乡"):
        admin.create_township(session, name, actor="test")
    return {
        "a1": admin.create_point(session, "甲一小卖部", "甲乡", code="0001", actor="test"),
        "a2": admin.create_point(session, "甲二小卖部", "甲乡", code="0002", actor="test"),
        "b1": admin.create_point(session, "乙一小卖部", "乙乡", code="0003", actor="test"),
    }


def add_cases(
    session: Session,
    point: Point,
    n: int,
    day: date,
    points: int = 5,
    *,
    state: str = "completed",
    disqualified: bool = False,
    credited: datetime | None = None,
    flag: str | None = None,
    first: int | None = None,
) -> list[Case]:
    """``n`` cases of ``points`` each completed on ``day`` a minute apart from 08:00 (China time); numbered from
    ``first`` when given (the same case ids in another database), else from a running count."""
    made = []
    for i in range(n):
        number = next(_numbers) if first is None else first + i
        done = china(day, 8) + timedelta(minutes=i)
        at = credited or done
        local = at.astimezone(CHINA_TZ)
        case = Case(
            case_id=f"c{number:010d}",
            point_id=point.id,
            device_id="dev",
            receipt_no=f"{point.code}-{number:08d}",
            item_code="X",
            flow="payment",
            points=points,
            mode="agent",
            applicant_kind="person",
            state=state,
            business_date=day.isoformat(),
            recorded_at=format_time(done - timedelta(minutes=1)),
            completed_at=format_time(done),
            completed_month=f"{done.year:04d}-{done.month:02d}",
            credited_at=format_time(at.astimezone(UTC)),
            credit_month=f"{local.year:04d}-{local.month:02d}",
            credit_flag=flag,
            disqualified=disqualified,
            disqualify_reason="违规刷单" if disqualified else None,
        )
        session.add(case)
        made.append(case)
    session.flush()
    return made
