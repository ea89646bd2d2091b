"""A published 2026-Q3 settlement over the console fixture's two points (cases written straight into the table)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from county.models import Point
from county.services import settlement, settlement_publish
from tests.county.settlement_data import add_cases


def q3_cases(db, console) -> tuple[Point, Point]:
    """Point a: 12 cases of 5 in August; point b: 3 of 2 in September."""
    a = db.scalar(select(Point).where(Point.code == console.a.point_code))
    b = db.scalar(select(Point).where(Point.code == console.b.point_code))
    add_cases(db, a, 12, date(2026, 8, 12), 5)
    add_cases(db, b, 3, date(2026, 9, 2), 2)
    return a, b


def published_q3(console, *, publish: bool = True) -> dict[str, int]:
    """The cases of ``q3_cases``, settled at 0.5 元 a point: {settlement_id, township_a, township_b}."""
    with console.county.session() as db:
        a, b = q3_cases(db, console)
        row = settlement.run(db, "2026-Q3", "0.5", actor="test")
        if publish:
            settlement_publish.publish(db, row.id, actor="test")
        db.commit()
        return {"settlement_id": row.id, "township_a": a.township_id, "township_b": b.township_id}
