"""Quarterly settlement (季度结算, 附件2 第四–八条, docs/settlement.md): run a quarter once it has closed.

Per point: each month's accounted points (completed, not voided, not disqualified, credited to that month by
the county's clock, docs/points.md), capped at 1000 a month, summed over the quarter, times the value of a point
the bureau set for the quarter; minus 收回奖补 for disqualified cases paid in an earlier published quarter (at
that quarter's value) and what the point still owed; what it cannot offset stays owed, carried forward. A point
with a reason to hold (``HOLDS``) is paid nothing this quarter; its value is carried forward and released in the
first later quarter it is not held. The same database always gives the same lines and the same content hash.
Publishing, corrections and hand-outs: county/services/settlement_publish.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import (
    Case,
    MonthExtension,
    Point,
    Settlement,
    SettlementAward,
    SettlementClawback,
    SettlementLine,
    SettlementRelease,
    TamperFlag,
    Township,
)
from county.services import fraud_review, inspections, settlement_sums
from county.services.common import audit, utcnow
from county.services.crediting import county_workdays, month_closes
from county.services.settlement_hash import content_hash
from sync.ledger.events import CHINA_TZ

DRAFT, PUBLISHED = "draft", "published"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def quarter_months(quarter: str) -> tuple[str, str, str]:
    match = _QUARTER.fullmatch(quarter or "")
    if match is None:
        raise CountyError(
            Refusal.INVALID, "bad_quarter", f"季度应写成“年-Q季度”，例如 2026-Q3（收到的是 {quarter[:20]}）。"
        )
    year, number = int(match[1]), int(match[2])
    return tuple(f"{year:04d}-{3 * (number - 1) + k:02d}" for k in (1, 2, 3))  # type: ignore[return-value]


def parse_value(text: str) -> Decimal:
    """The value of one point in 元: a positive decimal with at most 4 places (never a float)."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value > 1000 or -value.as_tuple().exponent > 4:
        raise CountyError(
            Refusal.INVALID,
            "bad_value",
            f"每积分折合金额应是大于 0 的数，最多 4 位小数，例如 0.50（收到的是 {str(text)[:20]}）。",
        )
    return value


# ---- holds: why a point is paid nothing this quarter --------------------------------------------------------
HoldSource = Callable[[Session, str, list[int]], dict[int, list[str]]]


def _tamper_holds(session: Session, quarter: str, point_ids: list[int]) -> dict[int, list[str]]:
    """An unreviewed tamper flag from the chain (a device's history changed after the county acknowledged it)."""
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(TamperFlag.point_id, TamperFlag.id)
        .where(TamperFlag.resolved_at.is_(None), TamperFlag.point_id.in_(point_ids))
        .order_by(TamperFlag.point_id, TamperFlag.id)
    )
    for point_id, _flag in rows:
        reasons = found.setdefault(point_id, [])
        if not reasons:
            reasons.append("设备记录被改动的标记尚未复核（防篡改链）")
    return found


def _revoked_holds(session: Session, quarter: str, point_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(select(Point.id).where(Point.id.in_(point_ids), Point.state == "revoked"))
    return {point_id: ["代办点已撤销，奖补暂停发放，待县局处理"] for (point_id,) in rows}


def _inspection_holds(session: Session, quarter: str, point_ids: list[int]) -> dict[int, list[str]]:
    """A serious inspection finding (督查, 严重) whose fix is not yet recorded as done, at the time of the run."""
    found = inspections.open_serious(session, point_ids)
    return {
        point_id: [f"督查发现严重问题尚未整改（整改期限 {f.fix_due:%Y年%m月%d日}）：{f.description[:60]}" for f in rows]
        for point_id, rows in found.items()
    }


# The hook: each source of a hold (tamper flags, revocations, open serious findings, pending fraud reviews).
HOLDS: list[HoldSource] = [_tamper_holds, _revoked_holds, _inspection_holds, fraud_review.settlement_holds]
# the holds the bureau may release for one draft run (解除暂缓): a finding or a review it has satisfied itself of
RELEASABLE: tuple[HoldSource, ...] = (_inspection_holds, fraud_review.settlement_holds)


def holds(session: Session, quarter: str, point_ids: list[int]) -> dict[int, str]:
    """Why each point is held (every reason, joined)."""
    return holds_released(session, quarter, point_ids)[0]


def holds_released(
    session: Session, quarter: str, point_ids: list[int], released: frozenset[int] = frozenset()
) -> tuple[dict[int, str], dict[int, str]]:
    """Why each point is held, and for the ``released`` points the releasable reasons set aside (解除暂缓)."""
    reasons: dict[int, list[str]] = {}
    lifted: dict[int, list[str]] = {}
    for source in HOLDS:
        for point_id, found in source(session, quarter, point_ids).items():
            into = lifted if point_id in released and source in RELEASABLE else reasons
            into.setdefault(point_id, []).extend(found)
    return _joined(reasons), _joined(lifted)


def _joined(reasons: dict[int, list[str]]) -> dict[int, str]:
    return {point_id: "；".join(sorted(set(found))) for point_id, found in reasons.items()}


# ---- the computation -----------------------------------------------------------------------------------------
@dataclass
class Draft:
    lines: list[dict] = field(default_factory=list)
    clawbacks: list[dict] = field(default_factory=list)
    over_cap: list[int] = field(default_factory=list)  # the points over the monthly cap in some month
    capped: list[dict] = field(default_factory=list)  # the awards of their cases, in the rules' order


def quarter_closed(session: Session, quarter: str) -> None:
    """Refuse a quarter whose last month is still open (docs/points.md), for the county or for any one point."""
    months = quarter_months(quarter)
    today = utcnow().astimezone(CHINA_TZ).date()
    closes = month_closes(months[-1], county_workdays(session))
    extended = session.scalar(
        select(MonthExtension.until_date)
        .where(MonthExtension.month.in_(months))
        .order_by(MonthExtension.until_date.desc())
        .limit(1)
    )
    last = max(closes, date.fromisoformat(extended)) if extended else closes
    if today <= last:
        raise CountyError(
            Refusal.CONFLICT,
            "quarter_open",
            f"{quarter} 还没有结束入账：{months[-1]} 的办件到 {last:%Y年%m月%d日} 还能计入，之后才能结算。",
        )


def effective(session: Session, quarter: str) -> Settlement | None:
    """The quarter's published version now in force (the newest published)."""
    return session.scalar(
        select(Settlement)
        .where(Settlement.quarter == quarter, Settlement.state == PUBLISHED)
        .order_by(Settlement.version.desc())
        .limit(1)
    )


def _previous(session: Session, quarter: str) -> Settlement | None:
    """The newest published quarter before ``quarter``: what it left owed and held is carried into this one."""
    prior = session.scalar(
        select(Settlement.quarter)
        .where(Settlement.quarter < quarter, Settlement.state == PUBLISHED)
        .order_by(Settlement.quarter.desc())
        .limit(1)
    )
    return effective(session, prior) if prior else None


def _clawbacks(session: Session, quarter: str) -> list[dict]:
    """Disqualified cases credited in the version in force of an earlier quarter, not yet clawed back by a
    published settlement of another quarter (a correction of this quarter replaces this quarter's own)."""
    in_force = _published_before(session, quarter)
    if not in_force:
        return []
    taken = select(SettlementClawback.case_id).join(Settlement, Settlement.id == SettlementClawback.settlement_id)
    taken = taken.where(Settlement.state == PUBLISHED, Settlement.quarter != quarter)
    rows = session.execute(
        select(SettlementAward, Case.receipt_no, Case.disqualify_reason, Settlement.quarter, Settlement.point_value)
        .join(Case, Case.case_id == SettlementAward.case_id)
        .join(Settlement, Settlement.id == SettlementAward.settlement_id)
        .where(
            SettlementAward.settlement_id.in_([s.id for s in in_force]),
            SettlementAward.points > 0,
            Case.disqualified.is_(True),
            SettlementAward.case_id.not_in(taken),
        )
        .order_by(SettlementAward.point_id, SettlementAward.case_id)
    )
    return [
        {
            "point_id": award.point_id,
            "case_id": award.case_id,
            "receipt_no": receipt_no,
            "paid_quarter": paid_quarter,
            "points": award.points,
            "point_value": value,
            "amount": money(award.points * Decimal(value)),
            "reason": (reason or "违规办件，取消积分").strip(),
        }
        for award, receipt_no, reason, paid_quarter, value in rows
    ]


def _published_before(session: Session, quarter: str) -> list[Settlement]:
    quarters = session.scalars(
        select(Settlement.quarter).where(Settlement.quarter < quarter, Settlement.state == PUBLISHED).distinct()
    ).all()
    return [s for q in sorted(quarters) if (s := effective(session, q)) is not None]


def compute(
    session: Session,
    quarter: str,
    value: Decimal,
    released: dict[int, str] | None = None,
    only: frozenset[int] | None = None,
) -> Draft:
    """The quarter's lines, clawbacks and the cases the cap cut, from what the database holds now (deterministic;
    summed in the database, county/services/settlement_sums.py). ``released``: point id → the bureau's note for
    each point whose hold it released in this run (解除暂缓); ``only``: these points' lines alone."""
    months = quarter_months(quarter)
    draft = Draft()
    totals = settlement_sums.month_totals(session, months, only)
    draft.over_cap = settlement_sums.over_cap(totals)
    if not settlement_sums.in_database(session):
        draft.capped = settlement_sums.capped_awards(session, months, draft.over_cap)
    clawbacks = _clawbacks(session, quarter)
    previous = _previous(session, quarter)
    carried: dict[int, tuple[str, str]] = {}
    if previous is not None:
        rows = session.execute(
            select(SettlementLine.point_id, SettlementLine.owed_out, SettlementLine.held_out).where(
                SettlementLine.settlement_id == previous.id
            )
        )
        for point_id, owed_out, held_out in rows:
            if Decimal(owed_out) > 0 or Decimal(held_out) > 0:
                carried[point_id] = (owed_out, held_out)
    claws: dict[int, list[dict]] = {}
    for claw in clawbacks:
        claws.setdefault(claw["point_id"], []).append(claw)
    point_ids = sorted(set(totals) | set(carried) | set(claws))
    if only is not None:
        point_ids = [p for p in point_ids if p in only]
    if not point_ids:
        return draft
    released = released or {}
    held, lifted = holds_released(session, quarter, point_ids, frozenset(released))
    points = {
        p_id: (code, name, t_id, t_name)
        for p_id, code, name, t_id, t_name in session.execute(
            select(Point.id, Point.code, Point.name, Township.id, Township.name)
            .join(Township, Township.id == Point.township_id)
            .where(Point.id.in_(point_ids))
        )
    }
    for point_id in point_ids:
        code, name, township_id, township_name = points[point_id]
        figures = totals.get(point_id, {})
        total = sum(m["capped"] for m in figures.values())
        mine = claws.get(point_id, [])
        draft.clawbacks.extend(mine)
        owed_text, held_text = carried.get(point_id, ("0", "0"))
        gross = Decimal(total) * value
        released_money, owed_in = Decimal(held_text), Decimal(owed_text)
        clawback = sum((Decimal(c["amount"]) for c in mine), ZERO)
        reason = held.get(point_id)
        if reason:  # paid nothing; the value waits, the debt is not offset against money not handed out
            payout, owed_out, held_out = ZERO, owed_in + clawback, gross + released_money
            released_money = ZERO
        else:
            due = gross + released_money - owed_in - clawback
            payout, owed_out, held_out = max(due, ZERO), max(-due, ZERO), ZERO
        draft.lines.append(
            {
                "point_id": point_id,
                "point_code": code,
                "point_name": name,
                "township_id": township_id,
                "township_name": township_name,
                "months": {m: figures[m] for m in sorted(figures)},
                "points": total,
                "gross": money(gross),
                "released": money(released_money),
                "clawback": money(clawback),
                "owed_in": money(owed_in),
                "payout": money(payout),
                "owed_out": money(owed_out),
                "held_out": money(held_out),
                "hold_reason": reason,
                "hold_released": f"原暂扣原因：{lifted[point_id]}；{released[point_id]}"
                if point_id in lifted
                else None,
            }
        )
    return draft


def run(session: Session, quarter: str, value_text: str, *, actor: str, reason: str = "") -> Settlement:
    """Run (or rerun) the quarter's draft. After a version is published, a new run is a correction and needs a
    reason; a rerun of a draft replaces it in place. Refused before the quarter closes or once a later quarter
    is published (its carried amounts rest on this one)."""
    quarter_months(quarter)
    value = parse_value(value_text)
    quarter_closed(session, quarter)
    later = session.scalar(
        select(Settlement.quarter).where(Settlement.quarter > quarter, Settlement.state == PUBLISHED).limit(1)
    )
    if later:
        raise CountyError(
            Refusal.CONFLICT,
            "later_published",
            f"{later} 的结算已经发布，不能再结算或更正 {quarter}；差额请在下一季度的结算中处理。",
        )
    versions = session.scalars(
        select(Settlement).where(Settlement.quarter == quarter).order_by(Settlement.version)
    ).all()
    draft_row = next((s for s in versions if s.state == DRAFT), None)
    reason = (reason or "").strip()
    if draft_row is None and versions and not reason:
        raise CountyError(
            Refusal.CONFLICT,
            "reason_required",
            f"{quarter} 的结算已经发布，不能改动。如需更正，请写明更正原因，系统会生成新的版本并列出差异。",
        )
    if draft_row is not None:
        row = draft_row
        row.point_value, row.reason = _value_text(value), (reason or row.reason)
        row.created_by, row.created_at = actor, utcnow()
    else:
        row = Settlement(
            quarter=quarter,
            version=len(versions) + 1,
            state=DRAFT,
            point_value=_value_text(value),
            reason=reason or None,
            content_hash="",
            created_by=actor,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
    draft = fill(session, row)
    audit(
        session,
        actor,
        "settlement.run",
        f"settlement:{quarter}",
        version=row.version,
        value=row.point_value,
        points=len(draft.lines),
        hash=row.content_hash,
        reason=row.reason,
    )
    session.flush()
    return row


def release_note(release: SettlementRelease) -> str:
    return f"已解除暂缓：{release.reason}（{release.released_by}）"


def fill(session: Session, row: Settlement) -> Draft:
    """(Re)compute a draft version's lines, awards and clawbacks in place and set its content hash."""
    for table in (SettlementAward, SettlementClawback, SettlementLine):
        session.execute(delete(table).where(table.settlement_id == row.id))
    released = {
        r.point_id: release_note(r)
        for r in session.scalars(select(SettlementRelease).where(SettlementRelease.settlement_id == row.id))
    }
    draft = compute(session, row.quarter, Decimal(row.point_value), released)
    if draft.lines:
        session.execute(insert(SettlementLine), [{"settlement_id": row.id, **line} for line in draft.lines])
    if draft.clawbacks:
        session.execute(insert(SettlementClawback), [{"settlement_id": row.id, **c} for c in draft.clawbacks])
    settlement_sums.write_awards(session, row.id, quarter_months(row.quarter), draft.over_cap, draft.capped)
    awards_hex = settlement_sums.awards_digest(session, row.id)
    row.content_hash = content_hash(row.quarter, row.point_value, draft.lines, draft.clawbacks, awards_hex)
    return draft


def _value_text(value: Decimal) -> str:
    """One text per value: 0.5 and 0.50 are the same value, and hash the same."""
    return format(value.normalize(), "f")
