"""The nightly fraud scan (``suishenban-county fraud-scan``): every rule over a range of business dates.

The rules of county/services/fraud_rules.py (and fraud_cross.py, across points), run over whole days instead of one batch, plus the two that need a
closed month or the chain: clustering just under the monthly cap, and tamper flags. Idempotent: a hit already
recorded with the same cases is not recorded again (county/services/fraud_review.py ``record_hits``), so the
scan may run every night over the last days, or again over any range.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county.config import FraudRules
from county.models import Case, LedgerEvent, SyncBatch, TamperFlag
from county.services import fraud_cross
from county.services import fraud_rules as r
from county.services.common import utcnow
from county.services.fraud_review import record_hits
from sync.ledger.events import CHINA_TZ, parse_time
from sync.ledger.kinds import CaseState
from sync.ledger.points import month_of


@dataclass
class ScanResult:
    hits: int  # found by the rules (already recorded ones included)
    recorded: int  # new or grown


def _months(first: date, last: date) -> list[str]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(f"{day:%Y-%m}")
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _three(month: str) -> list[str]:
    """The month and the two before it."""
    start = date.fromisoformat(f"{month}-01")
    return _months(start - timedelta(days=62), start)[-3:]


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA_TZ).astimezone(UTC)


def applicant(session: Session, first: date, last: date, rules: FraudRules) -> list[r.Hit]:
    """Whole months around the range, so a month's count is the month's, whichever days the range covers. The
    database counts (GROUP BY … HAVING); only the applicants beyond a threshold are read case by case."""
    months = _months(first, last)
    month = func.substr(Case.business_date, 1, 7)
    where = (
        Case.id_lookup.is_not(None),
        Case.business_date.between(r.month_bounds(months[0])[0], r.month_bounds(months[-1])[1]),
        Case.state != CaseState.VOIDED.value,
    )
    groups = {
        (point_id, lookup, item)
        for point_id, lookup, item in session.execute(
            select(Case.point_id, Case.id_lookup, Case.item_code)
            .where(*where)
            .group_by(Case.point_id, Case.id_lookup, Case.item_code, month)
            .having(func.count() > min(rules.same_applicant_day, rules.same_applicant_month))
        )
    }
    if not groups:
        return []
    rows = session.execute(
        select(Case.point_id, Case.id_lookup, Case.item_code, Case.business_date, Case.case_id).where(
            *where, Case.id_lookup.in_(sorted({lookup for _p, lookup, _i in groups}))
        )
    ).all()
    found = [tuple(row) for row in rows if (row[0], row[1], row[2]) in groups]
    hits = r.applicant_hits(found, rules)  # type: ignore[arg-type]
    return [
        hit for hit in hits if "month" in hit.figures or first.isoformat() <= hit.figures["day"] <= last.isoformat()
    ]


def bursts(session: Session, first: date, last: date, rules: FraudRules) -> list[r.Hit]:
    by_device: dict[tuple[int, str], list[tuple[datetime, str]]] = defaultdict(list)
    for point_id, device_id, recorded_at, case_id in session.execute(
        select(Case.point_id, Case.device_id, Case.recorded_at, Case.case_id).where(
            Case.business_date.between(first.isoformat(), last.isoformat())
        )
    ):
        try:
            by_device[(point_id, device_id)].append((parse_time(recorded_at), case_id))
        except ValueError:
            continue
    hits = []
    for (point_id, device_id), times in sorted(by_device.items()):
        hits += r.burst_hits(point_id, device_id, times, rules)
    return hits


def brief(session: Session, first: date, last: date, rules: FraudRules) -> list[r.Hit]:
    by_device: dict[tuple[int, str], list[tuple[str, str, int | None]]] = defaultdict(list)
    for point_id, device_id, recorded_at, case_id, seconds in session.execute(
        select(Case.point_id, Case.device_id, Case.recorded_at, Case.case_id, Case.form_seconds).where(
            Case.business_date.between(first.isoformat(), last.isoformat()),
            Case.form_seconds < rules.brief_form_seconds,
        )
    ):
        by_device[(point_id, device_id)].append((recorded_at, case_id, seconds))
    hits = []
    for (point_id, device_id), rows in sorted(by_device.items()):
        hits += r.brief_hits(point_id, device_id, rows, rules)
    return hits


def per_month(session: Session, first: date, last: date, rules: FraudRules) -> list[r.Hit]:
    """Voids after completion and online cases completed with no department status (by credited month), late
    or impossible completions (by completion month)."""
    months = _months(first, last)
    voids: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for point_id, month, case_id in session.execute(
        select(Case.point_id, Case.credit_month, Case.case_id).where(
            Case.credit_month.in_(months), Case.state == CaseState.VOIDED.value, Case.completed_at.is_not(None)
        )
    ):
        voids[point_id][month].append(case_id)
    alone: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for point_id, month, case_id in session.execute(
        select(Case.point_id, Case.credit_month, Case.case_id).where(
            Case.credit_month.in_(months), Case.self_completed.is_(True), Case.state == CaseState.COMPLETED.value
        )
    ):
        alone[point_id][month].append(case_id)
    late: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for point_id, month, case_id in session.execute(
        select(Case.point_id, Case.completed_month, Case.case_id).where(
            Case.completed_month.in_(months), Case.credit_flag.is_not(None)
        )
    ):
        late[point_id][month].append(case_id)
    hits = []
    for point_id, counted in sorted(voids.items()):
        hits += r.count_hits(r.VOIDS, point_id, counted, rules.voids_after_completion)
    for point_id, counted in sorted(alone.items()):
        hits += r.count_hits(r.SELF, point_id, counted, rules.self_completed)
    for point_id, counted in sorted(late.items()):
        hits += r.count_hits(r.LATE, point_id, counted, rules.late_completions)
    return hits


def cap_cluster(session: Session, first: date, last: date, rules: FraudRules) -> list[r.Hit]:
    """Each month of the range that has closed its own count (not the county's current month) and the two before
    it: months whose accounted points sit just under the cap (before capping)."""
    current = month_of(utcnow())
    months = [m for m in _months(first, last) if m < current]
    if not months:
        return []
    start = _three(months[0])
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for point_id, month, points in session.execute(
        select(Case.point_id, Case.credit_month, func.sum(Case.points))
        .where(
            Case.credit_month.between(start[0], months[-1]),
            Case.state == CaseState.COMPLETED.value,
            Case.disqualified.is_(False),
        )
        .group_by(Case.point_id, Case.credit_month)
    ):
        totals[point_id][month] = int(points or 0)
    low = rules.cap - rules.cap_band
    hits = []
    for point_id, figures in sorted(totals.items()):
        for month in months:
            near = [m for m in _three(month) if low <= figures.get(m, 0) < rules.cap]
            if len(near) >= rules.cap_months:
                key = ",".join(near)
                if any(h.key == key and h.point_id == point_id for h in hits):
                    continue
                case_ids = session.scalars(
                    select(Case.case_id).where(
                        Case.point_id == point_id,
                        Case.credit_month.in_(near),
                        Case.state == CaseState.COMPLETED.value,
                        Case.disqualified.is_(False),
                    )
                ).all()
                hits.append(
                    r.Hit(
                        r.CAP,
                        point_id,
                        key,
                        {"months": near, "low": low, "cap": rules.cap, "limit": rules.cap_months},
                        sorted(case_ids)[:2000],
                    )
                )
    return hits


def clocks(session: Session, first: date, last: date, rules: FraudRules) -> list[r.Hit]:
    """Batches received in the range: time running backwards between a device's events, and batches sent with the
    device's clock far off the county's (the same keys as at ingest)."""
    low, high = _utc(first), _utc(last + timedelta(days=1))
    hits: list[r.Hit] = []
    batches = session.execute(
        select(SyncBatch.device_id, SyncBatch.point_id, SyncBatch.received_at, SyncBatch.skew_seconds)
        .where(SyncBatch.received_at >= low, SyncBatch.received_at < high)
        .order_by(SyncBatch.device_id, SyncBatch.id)
    ).all()
    for device_id, point_id, received_at, skew in batches:
        events = session.execute(
            select(LedgerEvent.seq, LedgerEvent.occurred_at, LedgerEvent.case_id, LedgerEvent.type, LedgerEvent.status)
            .where(LedgerEvent.device_id == device_id, LedgerEvent.received_at == received_at)
            .order_by(LedgerEvent.seq)
        ).all()
        timed = [
            (seq, at, case_id)
            for seq, at, case_id, kind, status in events
            if status == "accepted" and kind in ("case.recorded", "case.completed")
        ]
        if not events or not timed:
            continue
        before = r.previous_time(session, device_id, events[0].seq - 1)
        hits += r.clock_jumps(point_id, device_id, timed, before, rules)
        hits += r.skew_hit(point_id, device_id, skew, str(events[0].seq), [t[2] for t in timed if t[2]], rules)
    return hits


def tampering(session: Session, first: date, last: date) -> list[r.Hit]:
    return [
        r.tamper_hit(flag)
        for flag in session.scalars(
            select(TamperFlag).where(
                TamperFlag.resolved_at.is_(None),
                TamperFlag.created_at >= _utc(first),
                TamperFlag.created_at < _utc(last + timedelta(days=1)),
            )
        )
    ]


def scan(session: Session, first: date, last: date, rules: FraudRules) -> ScanResult:
    """Every rule over business dates ``first``..``last`` (China time); hits recorded in the session."""
    hits = (
        applicant(session, first, last, rules)
        + fraud_cross.scan(session, first, last, rules)
        + bursts(session, first, last, rules)
        + brief(session, first, last, rules)
        + per_month(session, first, last, rules)
        + cap_cluster(session, first, last, rules)
        + clocks(session, first, last, rules)
        + tampering(session, first, last)
    )
    return ScanResult(hits=len(hits), recorded=record_hits(session, hits, source="scan"))
