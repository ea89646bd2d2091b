"""The fraud rule across points (跨点重复办理) on SQLite and PostgreSQL: one applicant served for one item at three
points within a week hits at every point involved; a close set (a week apart, or another item) does not; the
nightly scan finds the same and records nothing twice; the thresholds come from settings."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from county.config import FraudRules
from county.models import FraudHit, Point
from county.services import fraud_rules, fraud_scan
from county.services.fraud_review import OPEN
from tests.county.fraud_data import Counter, hits, reviews

RULES = FraudRules()  # the defaults: more than 2 points within 7 days
MONDAY = date(2026, 11, 2)


def day(n: int) -> date:
    return date(2026, 11, n)


def _three(county) -> list[Counter]:
    return [
        Counter(county, township="瑶里镇", name="瑶里村小卖部"),
        Counter(county, township="经公桥镇", name="经公桥村便民店"),
        Counter(county, township="鹅湖镇", name="鹅湖村服务点"),
    ]


def test_one_applicant_at_three_points_within_a_week_hits_at_every_point(county):
    a, b, c = _three(county)
    at_a = a.record(day(2), 60, person=41)
    at_b = b.record(day(4), 60, person=41)
    other = b.record(day(4), 600, person=42)  # another villager at b the same day: not part of it
    a.push([at_a])
    b.push([at_b, other])
    assert hits(county, a.point_code) == hits(county, b.point_code) == []  # two points are within the threshold
    at_c = c.record(day(8), 60, person=41)  # 6 days after the first: within 7 consecutive days
    c.push([at_c])
    for counter, mine in ((a, at_a), (b, at_b), (c, at_c)):
        assert hits(county, counter.point_code) == [(fraud_rules.CROSS, [mine.body["case_id"]])], counter.point_code
        (review,) = reviews(county, counter.point_code)
        assert review.state == OPEN  # a review item at each point, naming only its own case
    with county.session() as session:
        found = session.scalars(select(FraudHit).where(FraudHit.rule == fraud_rules.CROSS)).all()
        assert len({h.key for h in found}) == 1 and all("3602" not in h.key for h in found)
        text = fraud_rules.explain(found[0].rule, found[0].figures)
    assert "2026-11-02 至 2026-11-08 在 3 个不同的代办点" in text and "助农取现" in text
    assert "共 3 次（本点 1 次）" in text and "7 天内最多 2 个代办点" in text
    later = b.record(day(7), 60, person=41)  # a fourth case inside the week: b's hit grows, no new item
    b.push([later])
    assert hits(county, b.point_code) == [(fraud_rules.CROSS, sorted([at_b.body["case_id"], later.body["case_id"]]))]
    assert len(reviews(county, b.point_code)) == 1


def test_a_week_apart_or_another_item_does_not_hit(county):
    a, b, c = _three(county)
    a.push([a.record(day(2), 60, person=51)])
    b.push([b.record(day(4), 60, person=51)])
    c.push([c.record(day(9), 60, person=51)])  # 7 days after the first: no 7-day window holds all three points
    a.push([a.record(day(10), 60, person=52)])
    b.push([b.record(day(10), 60, person=52)])
    c.push([c.record(day(10), 60, person=52, item="FL011")])  # the same villager, the same day, another item
    for counter in (a, b, c):
        assert hits(county, counter.point_code) == [] and reviews(county, counter.point_code) == []
    with county.session() as session:
        assert fraud_scan.scan(session, day(1), day(30), RULES).hits == 0


def test_the_nightly_scan_finds_it_once_and_only_for_a_range_that_touches_it(county):
    a, b, c = _three(county)
    off = FraudRules(enabled=False)
    cases = [a.record(day(10), 60, person=61), b.record(day(11), 60, person=61), c.record(day(12), 60, person=61)]
    for counter, case in zip((a, b, c), cases, strict=True):
        counter.push([case], rules=off)
    assert all(hits(county, x.point_code) == [] for x in (a, b, c))
    with county.session() as session:
        assert fraud_scan.scan(session, day(1), day(3), RULES).recorded == 0  # the range does not reach it
        session.commit()
    for attempt in range(2):
        with county.session() as session:
            result = fraud_scan.scan(session, day(12), day(12), RULES)
            session.commit()
        assert result.recorded == (3 if attempt == 0 else 0)  # a hit at each of the three points, once
    for counter, case in zip((a, b, c), cases, strict=True):
        assert hits(county, counter.point_code) == [(fraud_rules.CROSS, [case.body["case_id"]])]


def test_the_thresholds_come_from_settings(county):
    rules = FraudRules.from_env(
        {"SUISHENBAN_COUNTY_FRAUD_CROSS_POINT_POINTS": "1", "SUISHENBAN_COUNTY_FRAUD_CROSS_POINT_DAYS": "3"}
    )
    assert (rules.cross_point_points, rules.cross_point_days) == (1, 3)
    a, b, c = _three(county)
    a.push([a.record(day(2), 60, person=71)], rules=rules)
    b.push([b.record(day(5), 60, person=71)], rules=rules)  # 3 days later: outside a 3-day window
    assert hits(county, b.point_code) == []
    c.push([c.record(day(4), 60, person=71)], rules=rules)  # within 3 days of each: a with c, c with b
    with county.session() as session:
        touched = session.scalars(
            select(Point.code).join(FraudHit, FraudHit.point_id == Point.id).where(FraudHit.rule == "cross_point")
        ).all()
    assert sorted(touched) == sorted([a.point_code, b.point_code, c.point_code])
    assert [len(ids) for rule, ids in hits(county, b.point_code)] == [1]
    with county.session() as session:  # one pattern, its days and points from the settings
        figures = session.scalars(select(FraudHit.figures).where(FraudHit.rule == "cross_point")).all()
    assert {(f["first"], f["last"], f["points"], f["limit"], f["days"]) for f in figures} == {
        ("2026-11-02", "2026-11-05", 3, 1, 3)
    }
