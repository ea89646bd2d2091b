"""A quarter's points summed in the database (set-based): one GROUP BY per point and month, INSERT … SELECT for the
per-case awards, and the cap's ordering only where a point went over the monthly cap.

Below the cap every live case is credited its points, so a month's figures are ``sum``/``count`` and ``capped``
is ``min(raw, cap)``; the cap only decides *which* cases lose points, so only the quarter's cases of the few
points over it in some month are taken in order of completion: in PostgreSQL by a running sum over that order
(one more INSERT … SELECT), in SQLite read into Python and given to the rules' own ``award_cases``. A case is counted in its ``credit_month``
(the month of ``credited_at``, written by ingest, docs/points.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable

from sqlalchemy import func, insert, literal, select, text
from sqlalchemy.orm import Session

from county.models import Case, SettlementAward
from county.services import bulk
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


def month_totals(
    session: Session, months: Iterable[str], only: Collection[int] | None = None
) -> dict[int, dict[str, dict]]:
    """Per point, per month: raw points, capped points and the number of live cases (of the ``only`` points)."""
    query = select(Case.point_id, Case.credit_month, func.sum(Case.points), func.count()).where(*_live(months))
    if only is not None:
        query = query.where(Case.point_id.in_(sorted(only)))
    rows = session.execute(query.group_by(Case.point_id, Case.credit_month))
    found: dict[int, dict[str, dict]] = {}
    for point_id, month, raw, cases in rows:
        raw = int(raw)
        found.setdefault(point_id, {})[month] = {"raw": raw, "capped": min(raw, MONTHLY_CAP), "cases": int(cases)}
    return found


def over_cap(totals: dict[int, dict[str, dict]]) -> list[int]:
    """The points whose raw points went over the monthly cap in some month of the quarter."""
    return sorted(p for p, by_month in totals.items() if any(f["raw"] > MONTHLY_CAP for f in by_month.values()))


def capped_awards(session: Session, months: Iterable[str], point_ids: list[int]) -> list[dict]:
    """Every live case of the quarter of the points over the cap, with what it is credited in the rules' order
    (completion time, then case id): the cases the cap reaches get less or nothing. (Their months under the cap
    come out as the sums would have them: every case its points.)"""
    credits: dict[int, list[CaseCredit]] = {}
    for start in range(0, len(point_ids), 1000):
        rows = session.execute(
            select(Case.point_id, Case.case_id, Case.points, Case.completed_at, Case.credited_at).where(
                *_live(months), Case.point_id.in_(point_ids[start : start + 1000])
            )
        )
        for r in rows:
            credits.setdefault(r.point_id, []).append(
                CaseCredit(
                    case_id=r.case_id,
                    points_class=r.points,
                    points=r.points,
                    completed_at=parse_time(r.completed_at),
                    credited_at=parse_time(r.credited_at),
                )
            )
    return [
        {"point_id": point_id, "case_id": a.case_id, "month": a.month, "points": a.credited}
        for point_id in sorted(credits)
        for a in award_cases(credits[point_id])
    ]


# PostgreSQL takes the points over the cap through the same rule in SQL: cases in order of the time they count at
# (``credited_at``, parsed as timestamptz: the instant, whatever the offset written), then case id bytewise (as
# Python compares them); each case gets what is left of the cap before it, at most its points, never below 0.
_PG_CAPPED = text(
    "INSERT INTO settlement_award (settlement_id, point_id, case_id, month, points) "
    "SELECT :settlement_id, point_id, case_id, credit_month, GREATEST(0, LEAST(points, :cap - (running - points))) "
    "FROM (SELECT point_id, case_id, credit_month, points, sum(points) OVER (PARTITION BY point_id, credit_month "
    'ORDER BY credited_at::timestamptz, case_id COLLATE "C" ROWS UNBOUNDED PRECEDING) AS running '
    'FROM "case" WHERE credit_month = ANY(:months) AND state = :state AND disqualified = false '
    "AND point_id = ANY(:points)) AS ordered"
)


def in_database(session: Session) -> bool:
    """Whether the cap's order is taken in the database (PostgreSQL) rather than in Python."""
    return session.get_bind().dialect.name == "postgresql"


def write_awards(
    session: Session, settlement_id: int, months: Iterable[str], over: list[int], capped: list[dict]
) -> None:
    """One award row per live case of the quarter: the points never over the cap in one INSERT … SELECT; the cases
    of the points over it by a window sum in PostgreSQL, elsewhere as ``capped_awards`` computed them."""
    live = _live(months)
    if over:
        live = (*live, Case.point_id.not_in(over))
    chosen = select(literal(settlement_id), Case.point_id, Case.case_id, Case.credit_month, Case.points).where(*live)
    session.execute(
        insert(SettlementAward).from_select(["settlement_id", "point_id", "case_id", "month", "points"], chosen)
    )
    if over and in_database(session):
        session.execute(
            _PG_CAPPED,
            {
                "settlement_id": settlement_id,
                "cap": MONTHLY_CAP,
                "months": sorted(months),
                "state": CaseState.COMPLETED.value,
                "points": over,
            },
        )
        return
    bulk.insert_rows(session, SettlementAward.__table__, [{"settlement_id": settlement_id, **a} for a in capped])


def awards_digest(session: Session, settlement_id: int) -> str:
    """``settlement_hash.awards_digest`` over the stored award rows: in PostgreSQL itself (sorted bytewise, as
    Python sorts the same ASCII lines), elsewhere streamed into Python."""
    award = SettlementAward.__table__
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '256MB'"))  # 5 million lines sorted in memory, not on disk
        return str(session.scalar(_PG_DIGEST, {"settlement_id": settlement_id}))
    rows = session.execute(
        select(award.c.case_id, award.c.month, award.c.points).where(award.c.settlement_id == settlement_id)
    )
    body = "\n".join(sorted(f"{c} {m} {n}" for c, m, n in rows))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
