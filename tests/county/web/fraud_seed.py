"""A 刷单 pattern at township a's point for the console tests: one applicant, one item, five times in one day,
found by the real nightly scan (county/services/fraud_scan.py)."""

from __future__ import annotations

from datetime import date

import time_machine
from sqlalchemy import select

from county.config import FraudRules
from county.models import Case, FraudReview, Point
from county.services import fraud_scan
from tests.county.settlement_data import add_cases, china

DAY = date(2026, 11, 10)


def repeated_applicant(console) -> tuple[int, list[str]]:
    """Five completed 助农取现 cases of one applicant on 10 November at township a's point; returns the review
    item's id and the cases' receipt numbers."""
    with console.county.session() as db:
        point = db.scalar(select(Point).where(Point.code == console.a.point_code))
        cases = add_cases(db, point, 5, DAY, 3)
        for case in cases:
            case.item_code, case.id_lookup = "FL012", "5f3a" * 16  # the same HMAC look-up hash: one ID
        db.flush()
        with time_machine.travel(china(date(2026, 11, 11)), tick=False):
            fraud_scan.scan(db, DAY, DAY, FraudRules())
        db.commit()
        review_id = db.scalar(select(FraudReview.id).where(FraudReview.point_id == point.id))
        receipts = sorted(db.scalars(select(Case.receipt_no).where(Case.case_id.in_([c.case_id for c in cases]))))
        return review_id, receipts
