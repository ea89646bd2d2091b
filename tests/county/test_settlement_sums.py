"""The set-based settlement (sums in the database, the cap's order only where a month went over it) gives what the
per-case computation gives: every case's award and every line's months, and the same content hash, on a random
county with capped months, ties in completion time, late credits, voided and disqualified cases."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import Case, SettlementAward, SettlementLine
from county.services import settlement, settlement_publish
from county.services.settlement_hash import awards_digest, content_hash
from sync.ledger.events import CHINA_TZ, format_time, parse_time
from sync.ledger.points import CaseCredit, award_cases
from tests.county.settlement_data import org


@pytest.fixture
def db(county_engine):
    with Session(county_engine) as session:
        yield session


def _random_cases(session: Session, points, rng: random.Random) -> None:
    number = 0
    for point in points:
        busy = point.code != "0002"  # two points of three cross the cap in some month
        for month in (7, 8, 9):
            n = rng.randint(300, 420) if busy else rng.randint(0, 60)
            for _ in range(n):
                number += 1
                day = date(2026, month, rng.randint(1, 28))
                # whole minutes of a short day: many cases share a completion time (the case id breaks the tie)
                done = datetime(day.year, day.month, day.day, 8, tzinfo=CHINA_TZ) + timedelta(
                    minutes=rng.randint(0, 90)
                )
                credited = done
                flag = None
                if rng.random() < 0.03:  # a late completion of June credited into this month
                    done = datetime(2026, 6, 29, 10, tzinfo=CHINA_TZ)
                    flag = "late"
                state = "voided" if rng.random() < 0.02 else ("in_review" if rng.random() < 0.02 else "completed")
                disqualified = rng.random() < 0.02
                local = credited.astimezone(CHINA_TZ)
                session.add(
                    Case(
                        case_id=f"r{rng.getrandbits(40):012x}{number:06d}",
                        point_id=point.id,
                        device_id="dev",
                        receipt_no=f"{point.code}-{number:08d}",
                        item_code="X",
                        flow="payment",
                        points=rng.randint(1, 5),
                        mode="agent",
                        applicant_kind="person",
                        state=state,
                        business_date=day.isoformat(),
                        recorded_at=format_time(done - timedelta(minutes=1)),
                        completed_at=format_time(done),
                        completed_month=f"{done.year:04d}-{done.month:02d}",
                        credited_at=format_time(credited.astimezone(UTC))
                        if rng.random() < 0.5
                        else format_time(credited),
                        credit_month=f"{local.year:04d}-{local.month:02d}",
                        credit_flag=flag,
                        disqualified=disqualified,
                        disqualify_reason="违规刷单" if disqualified else None,
                    )
                )
    session.flush()


def _reference(session: Session, months) -> tuple[dict[int, dict], dict[str, tuple[str, int]]]:
    """The per-case computation the set-based one replaced: every credited case through ``award_cases``."""
    rows = session.execute(
        select(Case.point_id, Case.case_id, Case.points, Case.completed_at, Case.credited_at).where(
            Case.credit_month.in_(months), Case.state == "completed", Case.disqualified.is_(False)
        )
    )
    credits: dict[int, list[CaseCredit]] = {}
    for r in rows:
        credits.setdefault(r.point_id, []).append(
            CaseCredit(r.case_id, r.points, r.points, parse_time(r.completed_at), credited_at=parse_time(r.credited_at))
        )
    lines: dict[int, dict] = {}
    awards: dict[str, tuple[str, int]] = {}
    for point_id, mine in credits.items():
        figures: dict[str, dict] = {}
        for award in award_cases(mine):
            month = figures.setdefault(award.month, {"raw": 0, "capped": 0, "cases": 0})
            month["raw"] += award.points
            month["capped"] += award.credited
            month["cases"] += 1
            awards[award.case_id] = (award.month, award.credited)
        lines[point_id] = {m: figures[m] for m in sorted(figures)}
    return lines, awards


@pytest.mark.parametrize("seed", [3, 11])
def test_set_based_settlement_equals_the_per_case_computation(db, seed):
    p = org(db)
    _random_cases(db, list(p.values()), random.Random(seed))
    row = settlement.run(db, "2026-Q3", "0.37", actor="test")
    months = list(settlement.quarter_months("2026-Q3"))
    want_lines, want_awards = _reference(db, months)
    assert any(f["raw"] > 1000 for by_month in want_lines.values() for f in by_month.values())  # the cap is exercised
    stored = db.execute(
        select(SettlementAward.case_id, SettlementAward.month, SettlementAward.points).where(
            SettlementAward.settlement_id == row.id
        )
    ).all()
    assert {c: (m, n) for c, m, n in stored} == want_awards and len(stored) == len(want_awards)
    lines = db.scalars(select(SettlementLine).where(SettlementLine.settlement_id == row.id)).all()
    assert {line.point_id: line.months for line in lines} == want_lines
    assert {line.point_id: line.points for line in lines} == {
        pid: sum(f["capped"] for f in by_month.values()) for pid, by_month in want_lines.items()
    }
    reference_hex = awards_digest([{"case_id": c, "month": m, "points": n} for c, (m, n) in want_awards.items()])
    lines_now = settlement_publish.lines_of(db, row)
    claws = settlement_publish.clawbacks_of(db, row)
    assert content_hash(row.quarter, row.point_value, lines_now, claws, reference_hex) == row.content_hash
    assert settlement_publish.stored_hash(db, row) == row.content_hash
