"""Read-side summaries of a store: this month's points against the cap, a case's missing materials."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.schema import case
from sync.ledger.catalogue import Catalogue
from sync.ledger.events import parse_time
from sync.ledger.points import MONTHLY_CAP, CaseCredit, MonthPoints, month_of, monthly_points


def completed_credits(store: LedgerStore) -> list[CaseCredit]:
    """One credit per case that has completed (voided ones marked), as the points rules expect."""
    with read(store.engine) as conn:
        rows = conn.execute(
            select(case.c.case_id, case.c.points, case.c.completed_at, case.c.state).where(
                case.c.completed_at.is_not(None)
            )
        ).all()
    return [
        CaseCredit(
            case_id=row.case_id,
            points_class=row.points,
            points=row.points,
            completed_at=parse_time(row.completed_at),
            voided=row.state == "voided",
        )
        for row in rows
    ]


def month_points(store: LedgerStore, now: datetime) -> MonthPoints:
    """This month's estimate; the county's statement is the one that is settled."""
    month = month_of(now)
    found = monthly_points(completed_credits(store)).get(month)
    return found or MonthPoints(month=month, raw=0, credited=0, capped=False, by_class={}, case_count=0)


def missing_materials(store: LedgerStore, catalogue: Catalogue, case_id: str) -> list[str]:
    """Names of the materials recorded as missing: the one-time notice (一次性告知) for the citizen."""
    with read(store.engine) as conn:
        row = conn.execute(select(case.c.item_code, case.c.materials_json).where(case.c.case_id == case_id)).one()
    item = catalogue.by_code(row.item_code)
    names = {m.code: m.name for m in item.guide.materials}
    return [names[m["code"]] for m in json.loads(row.materials_json) if m["status"] == "missing"]


__all__ = ["MONTHLY_CAP", "completed_credits", "missing_materials", "month_points"]
