"""A point's points (积分) at the county: from its completed cases, monthly cap, quarter totals.

Computed from the case table, so a disqualified or voided case is reflected at once. A batch recomputes only
the months it touched (each case keeps the month it is credited in, ``Case.credit_month``; the cap is monthly,
so a month's figures depend on its own cases alone), summing them in the database (``month_figures``), and takes
the other months from the last statement: a batch's cost does not grow with the point's history.
The county's clock decides that month (county/services/crediting.py, docs/points.md): a completion counts in
its own month while that month is open, else in the month the county received it (flagged late); one dated
impossibly earns nothing and is flagged. The statement lists those flagged cases, so the counter is told. A
quarter already settled is not reopened automatically; the settlement records what was paid, and a later
difference shows up for the bureau to act on (supervision page, later issue).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from county.models import Case, CountyEvent, Point, Settlement, SettlementLine
from county.services.common import utcnow
from sync.ledger.events import parse_time
from sync.ledger.kinds import CaseState
from sync.ledger.points import (
    MONTHLY_CAP,
    CaseCredit,
    MonthPoints,
    QuarterPoints,
    month_of,
    monthly_points,
    quarter_of,
    quarters_of,
)


def completion_month(completed_at: str) -> str:
    """The China-time month a case completed at ``completed_at`` earns its points in (Case.completed_month)."""
    return month_of(parse_time(completed_at))


def credits(session: Session, point: Point) -> list[CaseCredit]:
    """The point's credited cases as credits (the whole recomputation; a batch sums its months: month_figures)."""
    query = select(Case.case_id, Case.points, Case.completed_at, Case.credited_at, Case.state, Case.disqualified).where(
        Case.point_id == point.id, Case.credit_month.is_not(None)
    )
    return [
        CaseCredit(
            case_id=r.case_id,
            points_class=r.points,
            points=r.points,
            completed_at=parse_time(r.completed_at),
            credited_at=parse_time(r.credited_at),
            voided=r.state == CaseState.VOIDED or r.disqualified,
        )
        for r in session.execute(query)
    ]


DISQUALIFIED = "disqualified"  # sync.wire.CREDIT_FLAG_LABELS


def flagged(session: Session, point: Point) -> list[dict]:
    """The point's completions not credited to their own month: late ones (with the month they count in), those
    that earn nothing, and those disqualified after review (with the reason), as the statement carries them
    (receipt-number order)."""
    rows = session.execute(
        select(Case.case_id, Case.receipt_no, Case.completed_at, Case.credit_month, Case.credit_flag)
        .where(Case.point_id == point.id, Case.credit_flag.is_not(None))
        .order_by(Case.receipt_no)
    )
    found = [
        {
            "case_id": r.case_id,
            "receipt_no": r.receipt_no,
            "completed_at": r.completed_at,
            "flag": r.credit_flag,
            "month": r.credit_month,
        }
        for r in rows
    ]
    disqualified = session.execute(
        select(Case.case_id, Case.receipt_no, Case.completed_at, Case.disqualify_reason)
        .where(Case.point_id == point.id, Case.disqualified.is_(True), Case.completed_at.is_not(None))
        .order_by(Case.receipt_no)
    )
    found += [  # 取消资格 (fraud review): earns nothing; ``reason`` is for the agent (older counters ignore it)
        {
            "case_id": r.case_id,
            "receipt_no": r.receipt_no,
            "completed_at": r.completed_at,
            "flag": DISQUALIFIED,
            "month": None,
            "reason": r.disqualify_reason or "",
        }
        for r in disqualified
    ]
    return sorted(found, key=lambda f: (f["receipt_no"], f["flag"] == DISQUALIFIED))


def statement(session: Session, point: Point) -> tuple[dict[str, MonthPoints], dict[str, QuarterPoints]]:
    months = monthly_points(credits(session, point))
    return months, quarters_of(months)


def _month_figures(month: MonthPoints) -> dict:
    return {"raw": month.raw, "credited": month.credited, "capped": month.capped, "cases": month.case_count}


SETTLED_FIELDS = ("points", "gross", "released", "clawback", "owed_in", "payout", "owed_out", "held_out", "hold_reason")


def settled(session: Session, point: Point) -> dict[str, dict]:
    """The point's line in each quarter's published settlement in force (季度结算, docs/settlement.md)."""
    rows = session.execute(
        select(Settlement, SettlementLine)
        .join(SettlementLine, SettlementLine.settlement_id == Settlement.id)
        .where(SettlementLine.point_id == point.id, Settlement.state == "published")
        .order_by(Settlement.quarter, Settlement.version)
    )
    found: dict[str, dict] = {}
    for settlement, line in rows:  # a later version of a quarter replaces the earlier one
        found[settlement.quarter] = {
            "version": settlement.version,
            "point_value": settlement.point_value,
            "hash": settlement.content_hash,
            **{key: getattr(line, key) for key in SETTLED_FIELDS},
            # 解除暂缓: only when there is one, so other statements stay as they were
            **({"hold_released": line.hold_released} if line.hold_released else {}),
        }
    return found


def _payload(months: dict[str, dict], flags: list[dict], settlements: dict[str, dict] | None = None) -> dict:
    """The statement as the feed carries it, from each month's figures: quarters sum their months' credits;
    ``flags`` and ``settlements`` only when there are any (older counters read months and quarters, and
    ignore them)."""
    quarters: dict[str, int] = {}
    for month in sorted(months):
        quarter = quarter_of(month)
        quarters[quarter] = quarters.get(quarter, 0) + months[month]["credited"]
    payload = {"months": {month: months[month] for month in sorted(months)}, "quarters": quarters}
    if flags:
        payload["flags"] = flags
    if settlements:
        payload["settlements"] = settlements
    return payload


def statement_payload(session: Session, point: Point) -> dict:
    """The statement as the feed carries it to the point's devices (积分对账单), from all the point's cases."""
    return _payload(
        {m.month: _month_figures(m) for m in monthly_points(credits(session, point)).values()},
        flagged(session, point),
        settled(session, point),
    )


def month_figures(session: Session, point: Point, months: Collection[str]) -> dict[str, dict]:
    """The figures of ``months`` (those with live cases), summed in the database over the index on
    (point_id, credit_month): the cost is the cases of those months, never the point's whole history.

    Equal to ``monthly_points`` by construction: the cap lets the earliest cases through until it is reached, so a
    month's credited total is min(raw, cap) whatever the order; its case count is its live (completed, not
    voided, not disqualified) cases. tests/county/test_statement_incremental.py checks it against the whole
    recomputation after random batches."""
    if not months:
        return {}
    rows = session.execute(
        select(Case.credit_month, func.sum(Case.points), func.count())
        .where(
            Case.point_id == point.id,
            Case.credit_month.in_(sorted(months)),
            Case.state != CaseState.VOIDED,
            Case.disqualified == false(),
        )
        .group_by(Case.credit_month)
    )
    return {
        month: {"raw": int(raw), "credited": min(int(raw), MONTHLY_CAP), "capped": int(raw) > MONTHLY_CAP, "cases": n}
        for month, raw, n in rows
    }


def publish_statement_if_changed(
    session: Session, point: Point, months: Collection[str] | None = None, *, same_flags: bool = False
) -> bool:
    """Queue a points statement for the point's devices when its figures changed since the last one.

    ``months``: the only months whose cases changed since the last statement. Each month's figures depend on
    that month's cases alone (the cap is monthly), so only those months are recomputed and the rest are taken
    from the last statement; without ``months``, or without a last statement, everything is recomputed.
    ``same_flags``: the caller changed no flagged completion, disqualification or settlement (a batch that
    flagged nothing: a flag is set once, at completion), so those are taken from the last statement too.
    """
    last = session.scalar(
        select(CountyEvent.payload)
        .where(CountyEvent.point_id == point.id, CountyEvent.kind == "points_statement")
        .order_by(CountyEvent.id.desc())
        .limit(1)
    )
    if months is None or last is None or None in months:
        payload = statement_payload(session, point)
    else:
        figures = {month: dict(values) for month, values in last["months"].items() if month not in months}
        figures.update(month_figures(session, point, months))
        if same_flags:
            flags, settlements = last.get("flags", []), last.get("settlements")
        else:
            flags, settlements = flagged(session, point), settled(session, point)
        payload = _payload(figures, flags, settlements)
    if last == payload:
        return False
    session.add(CountyEvent(point_id=point.id, kind="points_statement", payload=payload, created_at=utcnow()))
    return True
