"""Each fraud rule (刷单) on SQLite and PostgreSQL: a case set that must hit and a close one that must not.

Cases arrive through ingest as a counter pushes them; the nightly scan finds the same patterns and records
nothing twice. A hit opens a review item and changes no points."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from sqlalchemy import select

from county.config import FraudRules
from county.models import Case, FraudHit, FraudReview, Point, TamperFlag
from county.services import fraud_rules, fraud_scan, ingest, points
from county.services.fraud_review import OPEN
from sync.ledger.events import format_time
from tests.county.fraud_data import NOVEMBER, Counter, china, hits, reviews
from tests.county.settlement_data import add_cases

RULES = FraudRules()  # the defaults: day 3, month 8, 6 cases in 300 s, 5 voids, clock 3600 s


def _ids(drafts) -> list[str]:
    return sorted(d.body["case_id"] for d in drafts)


def test_the_same_applicant_and_item_more_than_three_times_a_day_hits_and_three_do_not(county):
    near, far = Counter(county), Counter(county)
    spread = [near.record(NOVEMBER, 600 * n, person=7) for n in range(3)] + [near.record(NOVEMBER, 2400, person=8)]
    near.push(spread)
    assert hits(county, near.point_code) == []
    repeated = [far.record(NOVEMBER, 600 * n, person=7) for n in range(4)]  # 4 > 3 in one day
    far.push(repeated)
    assert hits(county, far.point_code) == [(fraud_rules.SAME_DAY, _ids(repeated))]
    (review,) = reviews(county, far.point_code)
    assert review.state == OPEN
    with county.session() as session:  # the hit holds the look-up hash's prefix only, never the ID
        hit = session.scalar(select(FraudHit))
        assert "360222" not in hit.key and hit.figures["count"] == 4
        text = fraud_rules.explain(hit.rule, hit.figures)
        assert "4 次" in text and "每天 3 次" in text and "助农取现" in text


def test_the_same_applicant_spread_over_a_month_hits_the_monthly_threshold(county):
    counter = Counter(county)
    drafts = [counter.record(NOVEMBER + timedelta(days=n), 60, person=3) for n in range(9)]  # 9 days, once each
    counter.push(drafts[:8])
    assert hits(county, counter.point_code) == []  # 8 is the threshold, not beyond it
    counter.push(drafts[8:])
    assert hits(county, counter.point_code) == [(fraud_rules.SAME_MONTH, _ids(drafts))]


def test_a_burst_faster_than_a_person_can_serve_hits_and_a_brisk_pace_does_not(county):
    brisk, burst = Counter(county), Counter(county)
    brisk.push([brisk.record(NOVEMBER, 60 * n, person=n) for n in range(7)])  # at most 6 within any 300 s
    assert hits(county, brisk.point_code) == []
    fast = [burst.record(NOVEMBER, 40 * n, person=n) for n in range(7)]  # 7 cases within 240 s
    burst.push(fast[:4])
    burst.push(fast[4:])  # the burst spans two batches: the second finds the first's cases
    assert hits(county, burst.point_code) == [(fraud_rules.BURST, _ids(fast))]


def test_forms_open_only_seconds_hit_and_one_ordinary_form_among_them_keeps_it_under(county):
    quick, ordinary, old = Counter(county), Counter(county), Counter(county)
    brief = [quick.record(NOVEMBER, 900 * n, person=n, form_seconds=8) for n in range(6)]  # 6 > 5 under 20 s
    quick.push(brief)
    assert hits(county, quick.point_code) == [(fraud_rules.BRIEF, _ids(brief))]
    mixed = [ordinary.record(NOVEMBER, 900 * n, person=n, form_seconds=8) for n in range(5)]
    ordinary.push([*mixed, ordinary.record(NOVEMBER, 9000, person=9, form_seconds=20)])  # 20 s is not brief
    assert hits(county, ordinary.point_code) == []
    # a counter that does not measure; its own villagers (the same ones at three points would hit cross_point)
    old.push([old.record(NOVEMBER, 900 * n, person=100 + n) for n in range(8)])
    assert hits(county, old.point_code) == []
    with county.session() as session:
        assert session.get(Case, brief[0].body["case_id"]).form_seconds == 8
        result = fraud_scan.scan(session, NOVEMBER, NOVEMBER, RULES)
        session.commit()
    assert result.recorded == 0  # the scan finds the same hit and records nothing twice


def test_online_cases_the_agent_completed_with_no_department_word_hit_beyond_the_threshold(county):
    rules = FraudRules(self_completed=3)
    alone, mixed = Counter(county), Counter(county)
    online = [alone.record(NOVEMBER, 900 * n, person=n, item="FL007") for n in range(4)]
    alone.push(online + [alone.complete(d, NOVEMBER, 900 * n + 400) for n, d in enumerate(online)], rules=rules)
    assert hits(county, alone.point_code) == [(fraud_rules.SELF, _ids(online))]
    some = [mixed.record(NOVEMBER, 900 * n, person=n, item="FL007") for n in range(3)]
    cash = mixed.record(NOVEMBER, 4000, person=9)  # a payment completed on the spot is not this rule's
    drafts = [*some, cash, *(mixed.complete(d, NOVEMBER, 5000 + n) for n, d in enumerate([*some, cash]))]
    mixed.push(drafts, rules=rules)
    assert hits(county, mixed.point_code) == []
    with county.session() as session:
        assert session.get(Case, online[0].body["case_id"]).self_completed is True
        assert session.get(Case, cash.body["case_id"]).self_completed is False


def test_many_completed_cases_voided_in_a_month_hit(county):
    few, many = Counter(county), Counter(county)
    for counter, n in ((few, 5), (many, 6)):
        recorded = [counter.record(NOVEMBER, 600 * i, person=i) for i in range(n)]
        counter.push(recorded + [counter.complete(d, NOVEMBER, 600 * i + 300) for i, d in enumerate(recorded)])
        counter.push([counter.void(d, NOVEMBER + timedelta(days=1), 60 * i) for i, d in enumerate(recorded)])
    assert hits(county, few.point_code) == []
    ((rule, case_ids),) = hits(county, many.point_code)
    assert rule == fraud_rules.VOIDS and len(case_ids) == 6


def test_a_clock_running_backwards_by_hours_hits_and_a_small_correction_does_not(county):
    small, jump = Counter(county), Counter(county)
    small.push([small.record(NOVEMBER, 7200, person=1), small.record(NOVEMBER, 7200 - 3000, person=2)])
    assert hits(county, small.point_code) == []
    first = jump.record(NOVEMBER, 7200, person=1)
    jump.push([first])
    back = [jump.record(NOVEMBER, 0, person=2), jump.record(NOVEMBER, 300, person=3)]  # two hours earlier
    jump.push(back)
    assert hits(county, jump.point_code) == [(fraud_rules.CLOCK, _ids(back))]


def test_a_batch_sent_with_the_clock_hours_off_hits_and_the_nightly_scan_agrees(county):
    sent = china(NOVEMBER, 20)  # when each batch reaches the county (Counter.push's default)
    near, far = Counter(county), Counter(county)
    near.push([near.record(NOVEMBER, 0, person=1)], sent_at=format_time(sent + timedelta(minutes=50)))
    assert hits(county, near.point_code) == []
    cases = [far.record(NOVEMBER, 0, person=1), far.record(NOVEMBER, 600, person=2)]
    far.push(cases, sent_at=format_time(sent + timedelta(hours=3)))  # the PC's clock three hours fast
    assert hits(county, far.point_code) == [(fraud_rules.CLOCK, _ids(cases))]
    with county.session() as session:
        assert "比县里快" in fraud_rules.explain(fraud_rules.CLOCK, session.scalar(select(FraudHit.figures)))
        with time_machine.travel(china(NOVEMBER + timedelta(days=1)), tick=False):
            result = fraud_scan.scan(session, NOVEMBER, NOVEMBER, RULES)
        session.commit()
    assert result.hits >= 1 and result.recorded == 0


def test_many_late_completions_in_a_month_hit_and_five_do_not(county):
    few, many = Counter(county), Counter(county)
    october = date(2026, 10, 20)
    for counter, n in ((few, 5), (many, 6)):
        drafts = []
        for i in range(n):
            recorded = counter.record(october, 900 * i, person=i)
            drafts += [recorded, counter.complete(recorded, october, 900 * i + 300)]
        counter.push(drafts)  # sent on 10 November, after October closed: late
    assert hits(county, few.point_code) == []
    ((rule, case_ids),) = hits(county, many.point_code)
    assert rule == fraud_rules.LATE and len(case_ids) == 6


def test_a_tamper_flag_from_the_chain_opens_a_review_item(county):
    counter = Counter(county)
    counter.push([counter.record(NOVEMBER, 0)])
    with county.session() as session:
        from county.models import Device

        ingest.flag_tampering(session, session.get(Device, counter.device_id), 1, "same sequence number")
        flag_id = session.scalar(select(TamperFlag.id))
    assert hits(county, counter.point_code) == [(fraud_rules.TAMPER, [])]
    with county.session() as session:
        assert session.scalar(select(FraudHit.key)) == str(flag_id)


def test_months_clustered_just_under_the_cap_hit_in_the_nightly_scan(county):
    with county.session() as session:
        from county.services import admin

        admin.create_township(session, "甲乡", actor="test")
        under = admin.create_point(session, "甲一小卖部", "甲乡", actor="test")
        over = admin.create_point(session, "甲二小卖部", "甲乡", actor="test")
        add_cases(session, under, 196, date(2026, 8, 3))  # 980 points in August
        add_cases(session, under, 198, date(2026, 9, 3))  # 990 in September: two months just under 1000
        add_cases(session, over, 196, date(2026, 8, 3))  # 980 …
        add_cases(session, over, 206, date(2026, 9, 3))  # … then 1030: it crossed the cap, not clustering
        session.commit()
        with_ids = under.id, over.id
    with county.session() as session:
        import time_machine

        with time_machine.travel(china(NOVEMBER), tick=False):
            result = fraud_scan.scan(session, date(2026, 9, 1), date(2026, 9, 30), RULES)
        session.commit()
        found = session.scalars(select(FraudHit)).all()
        assert [(h.point_id, h.rule, h.key) for h in found] == [(with_ids[0], fraud_rules.CAP, "2026-08,2026-09")]
        assert len(found[0].case_ids) == 196 + 198 and result.recorded == 1
        assert "980" not in fraud_rules.explain(found[0].rule, found[0].figures)  # the band, not a total, is shown
        assert "970–999" in fraud_rules.explain(found[0].rule, found[0].figures)


def test_the_nightly_scan_finds_what_ingest_found_and_records_nothing_twice(county):
    counter = Counter(county)
    repeated = [counter.record(NOVEMBER, 600 * n, person=7) for n in range(4)]
    counter.push(repeated, rules=FraudRules(enabled=False))  # the rules were off when these arrived
    assert hits(county, counter.point_code) == []
    for attempt in range(2):
        with county.session() as session:
            result = fraud_scan.scan(session, NOVEMBER, NOVEMBER, RULES)
            session.commit()
        assert result.recorded == (1 if attempt == 0 else 0)
    assert hits(county, counter.point_code) == [(fraud_rules.SAME_DAY, _ids(repeated))]
    more = counter.record(NOVEMBER, 4000, person=7)
    counter.push([more])  # a fifth: the pending item's hit grows, no second item
    assert hits(county, counter.point_code) == [(fraud_rules.SAME_DAY, _ids([*repeated, more]))]
    assert len(reviews(county, counter.point_code)) == 1


def test_a_hit_changes_no_points(county):
    counter = Counter(county)
    recorded = [counter.record(NOVEMBER, 600 * n, person=7) for n in range(4)]
    counter.push(recorded + [counter.complete(d, NOVEMBER, 600 * n + 60) for n, d in enumerate(recorded)])
    assert [rule for rule, _ids in hits(county, counter.point_code)] == [fraud_rules.SAME_DAY]
    with county.session() as session:
        point = session.scalar(select(Point).where(Point.code == counter.point_code))
        assert not any(c.disqualified for c in session.scalars(select(Case)))
        assert points.statement_payload(session, point)["months"]["2026-11"]["credited"] == 12
        assert session.scalar(select(FraudReview.state)) == OPEN
