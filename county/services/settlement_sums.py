"""A quarter's points summed in the database (set-based): one GROUP BY per point and month, one INSERT … SELECT for
the per-case awards, and the rules' own ordering (``sync.ledger.points.award_cases``) only where a point went
over the monthly cap.

Below the cap every live case is credited its points, so a month's figures are ``sum``/``count`` and ``capped``
is ``min(raw, cap)``; the cap only decides *which* cases lose points, so only the cases of the few (point,
month) over it are read into Python and taken in order of completion. A case is counted in its ``credit_month``
(the month of ``credited_at``, written by ingest, docs/points.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import and_, bindparam, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from county.models import Case, SettlementAward
from sync.ledger.events import parse_time
from sync.ledger.kinds import CaseState
from sync.ledger.points import MONTHLY_CAP, CaseCredit, award_cases


def _live(months: Iterable[str]):
    return (
        Case.credit_month.in_(sorted(months)),
        Case.state == CaseState.COMPLETED.value,
        Case.disqualified.is_(False),
    )


_PG_DIGEST = text(
    "SELECT encode(sha256(convert_to(coalesce(string_agg(line, E'\\n' ORDER BY line COLLATE \"C\"), ''), 'UTF8')), 'hex')"
    " FROM (SELECT case_id || ' ' || month || ' ' || points::text AS line FROM settlement_award"
    " WHERE settlement_id = :settlement_id) AS a"
)


def month_totals(session: Session, months: Iterable[str]) -> dict[int, dict[str, dict]]:
    """Per point, per month: raw points, capped points and the number of live cases."""
    rows = session.execute(
        select(Case.point_id, Case.credit_month, func.sum(Case.points), func.count())
        .where(*_live(months))
        .group_by(Case.point_id, Case.credit_month)
    )
    found: dict[int, dict[str, dict]] = {}
    for point_id, month, raw, cases in rows:
        raw = int(raw)
        found.setdefault(point_id, {})[month] = {"raw": raw, "capped": min(raw, MONTHLY_CAP), "cases": int(cases)}
    return found


def capped_awards(session: Session, months: Iterable[str], totals: dict[int, dict[str, dict]]) -> dict[str, int]:
    """The cases of months over the cap that the cap cuts, and what each is still credited (the rules' order:
    completion time, then case id)."""
    over = sorted({(p, m) for p, by_month in totals.items() for m, f in by_month.items() if f["raw"] > MONTHLY_CAP})
    credited: dict[str, int] = {}
    for point_id in sorted({p for p, _m in over}):
        mine = [m for p, m in over if p == point_id]
        rows = session.execute(
            select(Case.case_id, Case.points, Case.completed_at, Case.credited_at)
            .where(*_live(mine), Case.point_id == point_id)
            .order_by(Case.case_id)
        )
        credits = [
            CaseCredit(
                case_id=r.case_id,
                points_class=r.points,
                points=r.points,
                completed_at=parse_time(r.completed_at),
                credited_at=parse_time(r.credited_at),
            )
            for r in rows
        ]
        credited.update((a.case_id, a.credited) for a in award_cases(credits) if a.credited != a.points)
    return credited


def write_awards(session: Session, settlement_id: int, months: Iterable[str], capped: dict[str, int]) -> None:
    """One award row per live case of the quarter (INSERT … SELECT), then the cut cases of the capped months."""
    chosen = select(literal(settlement_id), Case.point_id, Case.case_id, Case.credit_month, Case.points).where(
        *_live(months)
    )
    session.execute(
        insert(SettlementAward).from_select(["settlement_id", "point_id", "case_id", "month", "points"], chosen)
    )
    cut = [{"case_": case_id, "credited": points} for case_id, points in sorted(capped.items())]
    if cut:
        table = SettlementAward.__table__
        statement = (
            update(table)
            .where(and_(table.c.settlement_id == settlement_id, table.c.case_id == bindparam("case_")))
            .values(points=bindparam("credited"))
        )
        session.connection().execute(statement, cut)


def awards_digest(session: Session, settlement_id: int) -> str:
    """``settlement_hash.awards_digest`` over the stored award rows: in PostgreSQL itself (sorted bytewise, as
    Python sorts the same ASCII lines), elsewhere streamed into Python."""
    award = SettlementAward.__table__
    if session.get_bind().dialect.name == "postgresql":
        return str(session.scalar(_PG_DIGEST, {"settlement_id": settlement_id}))
    rows = session.execute(
        select(award.c.case_id, award.c.month, award.c.points).where(award.c.settlement_id == settlement_id)
    )
    body = "\n".join(sorted(f"{c} {m} {n}" for c, m, n in rows))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
