"""Quarterly settlement on SQLite and PostgreSQL: the cap, late/voided/disqualified cases, holds released later,
clawbacks carried forward as owed, determinism, immutability once published, and a correction's difference."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError
from county.models import AuditLog, SettlementLine, TamperFlag
from county.services import settlement, settlement_publish
from county.services.common import utcnow
from county.services.departments import disqualify_case
from tests.county.settlement_data import add_cases, china, org

JULY, AUG, SEP = date(2026, 7, 10), date(2026, 8, 10), date(2026, 9, 10)


@pytest.fixture
def db(county_engine):
    with Session(county_engine) as session:
        yield session


def line(session, row, code) -> SettlementLine:
    return session.scalar(
        select(SettlementLine).where(SettlementLine.settlement_id == row.id, SettlementLine.point_code == code)
    )


def test_a_quarter_is_capped_monthly_and_counts_only_its_credited_cases(db):
    p = org(db)
    add_cases(db, p["a1"], 205, JULY, 5)  # 1025 raw: the cap cuts July to 1000
    add_cases(db, p["a1"], 1, date(2026, 6, 29), 4, credited=china(date(2026, 7, 20)), flag="late")  # late into July
    add_cases(db, p["a1"], 10, AUG, 3)
    add_cases(db, p["a1"], 1, SEP, 5, state="voided")
    add_cases(db, p["a1"], 1, SEP, 5, disqualified=True)
    add_cases(db, p["a1"], 1, date(2026, 9, 30), 5, credited=china(date(2026, 10, 15)), flag="late")  # Q4's
    add_cases(db, p["a1"], 1, SEP, 2, state="in_review")  # never completed: not credited at all
    db.execute(select(1))
    row = settlement.run(db, "2026-Q3", "0.5", actor="test")
    mine = line(db, row, "0001")
    assert mine.months == {
        "2026-07": {"raw": 1029, "capped": 1000, "cases": 206},
        "2026-08": {"raw": 30, "capped": 30, "cases": 10},
    }
    assert (mine.points, mine.gross, mine.payout, mine.owed_out) == (1030, "515.00", "515.00", "0.00")
    assert line(db, row, "0002") is None  # nothing credited, nothing carried: no line
    assert row.state == "draft" and len(row.content_hash) == 64


def test_a_quarter_is_refused_before_its_last_month_closes(db):
    org(db)
    with pytest.raises(CountyError) as refused:
        settlement.run(db, "2026-Q4", "0.5", actor="test")
    assert refused.value.code == "quarter_open" and "2027年01月" in refused.value.message
    for bad_value in ("0", "-1", "abc", "0.123456", "NaN"):
        with pytest.raises(CountyError) as refused:
            settlement.run(db, "2026-Q3", bad_value, actor="test")
        assert refused.value.code == "bad_value"
    with pytest.raises(CountyError):
        settlement.run(db, "2026-Q5", "0.5", actor="test")


def test_the_same_inputs_give_the_same_hash_and_a_rerun_replaces_the_draft(db):
    p = org(db)
    add_cases(db, p["b1"], 3, AUG, 2)
    add_cases(db, p["a2"], 4, SEP, 3)
    first = settlement.run(db, "2026-Q3", "0.50", actor="test")
    digest = first.content_hash
    again = settlement.run(db, "2026-Q3", "0.5", actor="test")  # 0.5 and 0.50 are one value
    assert (again.id, again.version, again.content_hash) == (first.id, 1, digest)
    assert settlement_publish.stored_hash(db, again) == digest
    other = settlement.run(db, "2026-Q3", "0.6", actor="test")
    assert other.content_hash != digest
    assert settlement.run(db, "2026-Q3", "0.5", actor="test").content_hash == digest
    assert len(db.scalars(select(SettlementLine).where(SettlementLine.settlement_id == first.id)).all()) == 2


def test_published_is_immutable_and_a_correction_lists_its_differences(db):
    p = org(db)
    cases = add_cases(db, p["a1"], 4, AUG, 5)
    add_cases(db, p["b1"], 2, SEP, 1)
    row = settlement.run(db, "2026-Q3", "0.5", actor="test")
    settlement_publish.publish(db, row.id, actor="test", seen_hash=row.content_hash)
    db.commit()
    with pytest.raises(CountyError) as refused:
        settlement_publish.publish(db, row.id, actor="test")
    assert refused.value.code == "already_published"
    line(db, row, "0001").payout = "999.00"
    with pytest.raises(CountyError) as refused:
        db.flush()
    assert refused.value.code == "published"
    db.rollback()
    with pytest.raises(CountyError) as refused:
        settlement.run(db, "2026-Q3", "0.5", actor="test")
    assert refused.value.code == "reason_required"
    disqualify_case(db, cases[0], "同一身份证一天内重复办理", actor="test")
    correction = settlement.run(db, "2026-Q3", "0.5", actor="test", reason="0001 一件违规办件在发布前未处理")
    assert (correction.version, correction.state) == (2, "draft")
    changes = settlement_publish.difference(db, correction)
    assert {"point": "0001 甲一小卖部", "field": "积分", "old": 20, "new": 15} in changes
    assert {"point": "0001 甲一小卖部", "field": "本季发放", "old": "10.00", "new": "7.50"} in changes
    assert not [c for c in changes if c["point"].startswith("0003")]
    with pytest.raises(CountyError) as refused:
        settlement_publish.publish(db, correction.id, actor="test", seen_hash="0" * 64)
    assert refused.value.code == "changed"
    settlement_publish.publish(db, correction.id, actor="test")
    assert settlement.effective(db, "2026-Q3").id == correction.id
    actions = db.scalars(select(AuditLog.action).where(AuditLog.action.like("settlement.%"))).all()
    assert actions.count("settlement.publish") == 2 and actions.count("settlement.run") == 2


def test_a_clawback_is_at_the_paid_quarters_value_and_what_is_left_stays_owed(db):
    p = org(db)
    paid = add_cases(db, p["a2"], 10, AUG, 5)  # 50 points at 0.5 = 25.00 in Q3
    q3 = settlement.run(db, "2026-Q3", "0.5", actor="test")
    settlement_publish.publish(db, q3.id, actor="test")
    for case in paid[:3]:
        disqualify_case(db, case, "虚构办件", actor="test")
    add_cases(db, p["a2"], 1, date(2026, 11, 10), 2)  # Q4: 2 points
    with time_machine.travel(china(date(2027, 2, 1))):
        q4 = settlement.run(db, "2026-Q4", "0.8", actor="test")  # another value this quarter
        settlement_publish.publish(db, q4.id, actor="test")
    mine = line(db, q4, "0002")
    assert (mine.gross, mine.clawback, mine.payout, mine.owed_out) == ("1.60", "7.50", "0.00", "5.90")
    claws = settlement_publish.clawbacks_of(db, q4)
    assert [(c["paid_quarter"], c["points"], c["point_value"], c["amount"]) for c in claws] == [
        ("2026-Q3", 5, "0.5", "2.50")
    ] * 3
    add_cases(db, p["a2"], 2, date(2027, 2, 10), 2)  # 2027-Q1: 4 points at 1 = 4.00
    with time_machine.travel(china(date(2027, 5, 1))):
        q1 = settlement.run(db, "2027-Q1", "1", actor="test")
    mine = line(db, q1, "0002")
    assert (mine.gross, mine.owed_in, mine.clawback, mine.payout, mine.owed_out) == (
        "4.00",
        "5.90",
        "0.00",
        "0.00",
        "1.90",
    )
    assert settlement_publish.clawbacks_of(db, q1) == []  # taken once, never twice
    with pytest.raises(CountyError) as refused:  # a later quarter is published: Q3 is closed to corrections
        settlement.run(db, "2026-Q3", "0.5", actor="test", reason="x")
    assert refused.value.code == "later_published"


def test_a_held_point_is_paid_nothing_and_released_in_the_next_quarter(db):
    p = org(db)
    add_cases(db, p["b1"], 20, SEP, 5)  # 100 points
    flag = TamperFlag(device_id="dev", point_id=p["b1"].id, seq=7, kind="edited", detail="x", created_at=utcnow())
    db.add(flag)
    db.flush()
    q3 = settlement.run(db, "2026-Q3", "0.5", actor="test")
    held = line(db, q3, "0003")
    assert (held.gross, held.payout, held.held_out) == ("50.00", "0.00", "50.00")
    assert "防篡改" in held.hold_reason
    settlement_publish.publish(db, q3.id, actor="test")
    flag.resolved_at = utcnow()
    add_cases(db, p["b1"], 2, date(2026, 12, 1), 5)  # 10 points in Q4
    with time_machine.travel(china(date(2027, 2, 1))):
        q4 = settlement.run(db, "2026-Q4", "0.5", actor="test")
    released = line(db, q4, "0003")
    assert (released.gross, released.released, released.payout, released.held_out) == ("5.00", "50.00", "55.00", "0.00")
    assert released.hold_reason is None


def test_the_township_records_a_hand_out_once_on_the_version_in_force(db):
    from county.services.scope import Scope
    from county.services.staff import StaffRole

    p = org(db)
    add_cases(db, p["a1"], 2, AUG, 5)
    add_cases(db, p["b1"], 2, AUG, 5)
    q3 = settlement.run(db, "2026-Q3", "0.5", actor="test")
    ours, theirs = line(db, q3, "0001"), line(db, q3, "0003")
    town_a = Scope(StaffRole.TOWNSHIP, township_id=p["a1"].township_id)
    with pytest.raises(CountyError) as refused:
        settlement_publish.record_handout(db, ours.id, "2026-11-27", "张三", actor="t", scope=town_a)
    assert refused.value.code == "not_in_force"  # a draft is not handed out
    settlement_publish.publish(db, q3.id, actor="test")
    with pytest.raises(CountyError) as refused:
        settlement_publish.record_handout(db, theirs.id, "2026-11-27", "李四", actor="t", scope=town_a)
    assert refused.value.code == "no_line"
    for day in ("2026-11-28", "2026-11-26", "11/27"):
        with pytest.raises(CountyError):
            settlement_publish.record_handout(db, ours.id, day, "张三", actor="t", scope=town_a)
    settlement_publish.record_handout(db, ours.id, "2026-11-27", "张三", actor="t", scope=town_a)
    with pytest.raises(CountyError) as refused:
        settlement_publish.record_handout(db, ours.id, "2026-11-27", "张三", actor="t", scope=town_a)
    assert refused.value.code == "recorded"


def test_publishing_tells_each_point_through_its_points_statement(db):
    from county.models import CountyEvent

    p = org(db)
    add_cases(db, p["a1"], 4, AUG, 5)
    row = settlement.run(db, "2026-Q3", "0.5", actor="test")
    statements = select(CountyEvent.payload).where(
        CountyEvent.kind == "points_statement", CountyEvent.point_id == p["a1"].id
    )
    assert db.scalars(statements).all() == []  # a draft tells nobody
    settlement_publish.publish(db, row.id, actor="test")
    (told,) = db.scalars(statements).all()
    assert told["months"]["2026-08"]["credited"] == 20 and told["quarters"] == {"2026-Q3": 20}
    assert told["settlements"]["2026-Q3"] == {
        "version": 1,
        "point_value": "0.5",
        "hash": row.content_hash,
        "points": 20,
        "gross": "10.00",
        "released": "0.00",
        "clawback": "0.00",
        "owed_in": "0.00",
        "payout": "10.00",
        "owed_out": "0.00",
        "held_out": "0.00",
        "hold_reason": None,
    }


def test_two_databases_with_the_same_cases_in_another_order_give_the_same_hash(tmp_path):
    """Cases tied at the cap (the same minute) and written in the opposite order: the same lines, the same hash."""
    from county.db import make_engine, upgrade

    digests = []
    for name, order in (("one", (0, 1, 2)), ("two", (2, 1, 0))):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        upgrade(engine)
        with Session(engine) as session:
            p = org(session)
            batches = [(p["a1"], 150, JULY, 5, 1000), (p["a1"], 150, JULY, 4, 2000), (p["b1"], 7, SEP, 3, 3000)]
            for index in order:
                point, n, day, points, first = batches[index]
                add_cases(session, point, n, day, points, first=first)
            row = settlement.run(session, "2026-Q3", "0.5", actor="test")
            assert line(session, row, "0001").months["2026-07"] == {"raw": 1350, "capped": 1000, "cases": 300}
            digests.append(row.content_hash)
        engine.dispose()
    assert digests[0] == digests[1]


def test_the_hash_covers_each_cases_award_not_only_the_totals(db):
    """Which case the cap cuts changes what a later clawback takes back: the hash sees it, the totals do not."""
    p = org(db)
    early = add_cases(db, p["a1"], 200, JULY, 5)  # exactly the cap
    late = add_cases(db, p["a1"], 1, date(2026, 7, 20), 5)  # cut to nothing
    first = settlement.run(db, "2026-Q3", "0.5", actor="test")
    digest, lines = first.content_hash, settlement_publish.lines_of(db, first)
    early[0].completed_at, late[0].completed_at = late[0].completed_at, early[0].completed_at
    early[0].credited_at, late[0].credited_at = late[0].credited_at, early[0].credited_at
    db.flush()
    again = settlement.run(db, "2026-Q3", "0.5", actor="test")
    assert settlement_publish.lines_of(db, again) == lines and again.content_hash != digest
