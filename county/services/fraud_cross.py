"""The fraud rule across points (跨点重复办理): one applicant served for the same item at several different points
within a few days (docs/fraud-review.md).

A villager does not walk to three points in a week to do the same thing three times; one ID copy passed around
points is how cases are made up. Applicants are compared by the HMAC look-up hash of the ID (``Case.id_lookup``),
never the ID, as the same-applicant rule does. Within any ``cross_point_days`` consecutive days (business dates)
the not-voided cases of one applicant and item at more than ``cross_point_points`` different points hit. The
caught cases — every case in such a window — form one pattern; each involved point gets its own hit naming its
own cases (a point's review item never lists another point's cases), so the pattern opens or joins a review item
at every point it touches.

At ingest the batch's new cases lead the one query, by the applicant/item/date index (``ix_case_applicant_item_date``);
only patterns that hold one of them are returned. The nightly scan counts in the database first (GROUP BY
applicant and item, HAVING more distinct points than the threshold) and reads only those applicants' cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county.config import FraudRules
from county.models import Case
from county.services.cases import among
from county.services.fraud_rules import CROSS, ApplicantRow, Hit, item_name
from sync.ledger.kinds import CaseState


def cross_point_hits(rows: Iterable[ApplicantRow], rules: FraudRules) -> list[Hit]:
    """``rows``: (point_id, id_lookup, item_code, business_date, case_id). Per applicant and item, a sliding window
    of ``cross_point_days`` days; every case in a window with more distinct points than allowed is caught, and
    caught cases less than that many days apart form one pattern. The key keeps 4 hex characters of the look-up
    hash, the item and the pattern's first day (the same at every point it touches)."""
    grouped: dict[tuple[str, str], list[tuple[date, int, str]]] = defaultdict(list)
    for point_id, lookup, item, day, case_id in rows:
        grouped[(lookup, item)].append((date.fromisoformat(day), point_id, case_id))
    span, hits = rules.cross_point_days, []
    for (lookup, item), cases in sorted(grouped.items()):
        cases.sort()
        caught: set[int] = set()
        start = 0
        for end in range(len(cases)):
            while (cases[end][0] - cases[start][0]).days >= span:
                start += 1
            if len({point for _d, point, _c in cases[start : end + 1]}) > rules.cross_point_points:
                caught.update(range(start, end + 1))
        pattern: list[tuple[date, int, str]] = []
        for index in sorted(caught):
            if pattern and (cases[index][0] - pattern[-1][0]).days >= span:
                hits += _pattern_hits(lookup, item, pattern, rules)
                pattern = []
            pattern.append(cases[index])
        if pattern:
            hits += _pattern_hits(lookup, item, pattern, rules)
    return hits


def _pattern_hits(lookup: str, item: str, pattern: list[tuple[date, int, str]], rules: FraudRules) -> list[Hit]:
    by_point: dict[int, list[str]] = defaultdict(list)
    for _day, point_id, case_id in pattern:
        by_point[point_id].append(case_id)
    first, last = pattern[0][0].isoformat(), pattern[-1][0].isoformat()
    common = {
        "first": first,
        "last": last,
        "item": item_name(item),
        "points": len(by_point),
        "cases": len(pattern),
        "limit": rules.cross_point_points,
        "days": rules.cross_point_days,
    }
    return [
        Hit(CROSS, point_id, f"{lookup[:4]}:{item}:{first}", {**common, "here": len(ids)}, sorted(ids))
        for point_id, ids in sorted(by_point.items())
    ]


def _within(low: date, high: date) -> tuple:
    """Not-voided cases with a business date in ``low``..``high`` (ISO text compares as dates)."""
    return (Case.business_date.between(low.isoformat(), high.isoformat()), Case.state != CaseState.VOIDED.value)


def _columns():
    return select(Case.point_id, Case.id_lookup, Case.item_code, Case.business_date, Case.case_id)


def check_batch(session: Session, new: Sequence[tuple[str, str, str, str]], rules: FraudRules) -> list[Hit]:
    """``new``: (id_lookup, item_code, business_date, case_id) of a batch's new cases; one indexed query for their
    applicants' cases at every point within the window either side; the patterns holding a new case."""
    if not new:
        return []
    days = [date.fromisoformat(day) for _l, _i, day, _c in new]
    margin = timedelta(days=rules.cross_point_days - 1)
    wanted = {(lookup, item) for lookup, item, _d, _c in new}
    lookups = sorted({lookup for lookup, _i, _d, _c in new})
    rows = session.execute(
        _columns().where(among(session, Case.id_lookup, lookups), *_within(min(days) - margin, max(days) + margin))
    ).all()
    found = [tuple(r) for r in rows if (r[1], r[2]) in wanted]
    hits = cross_point_hits(found, rules)  # type: ignore[arg-type]
    mine = {case_id for _l, _i, _d, case_id in new}
    keys = {h.key for h in hits if mine & set(h.case_ids)}
    return [h for h in hits if h.key in keys]


def scan(session: Session, first: date, last: date, rules: FraudRules) -> list[Hit]:
    """The nightly scan over business dates ``first``..``last``: the patterns with a case in the range (their
    windows may reach ``cross_point_days`` − 1 days either side)."""
    margin = timedelta(days=rules.cross_point_days - 1)
    where = (Case.id_lookup.is_not(None), *_within(first - margin, last + margin))
    pairs = set(
        session.execute(
            select(Case.id_lookup, Case.item_code)
            .where(*where)
            .group_by(Case.id_lookup, Case.item_code)
            .having(func.count(func.distinct(Case.point_id)) > rules.cross_point_points)
        ).all()
    )
    if not pairs:
        return []
    lookups = sorted({lookup for lookup, _i in pairs})
    rows = session.execute(_columns().where(*where, Case.id_lookup.in_(lookups))).all()
    found = [tuple(r) for r in rows if (r[1], r[2]) in pairs]
    hits = cross_point_hits(found, rules)  # type: ignore[arg-type]
    return [h for h in hits if h.figures["first"] <= last.isoformat() and h.figures["last"] >= first.isoformat()]
