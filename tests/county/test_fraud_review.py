"""A reviewer's decision on SQLite and PostgreSQL: a pending item holds the settlement; a disqualification flows
into the points, the settlement and the counter's pull; clearing and escalating; the township sees its own only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError
from county.models import AuditLog, Case, CountyEvent, Device, FraudReview, SettlementLine, TamperFlag, Township
from county.services import feed, fraud_review, fraud_rules, settlement
from county.services.common import utcnow
from county.services.fraud_rules import Hit
from county.services.scope import Scope
from county.services.staff import StaffRole
from tests.county.fraud_data import NOVEMBER, Counter
from tests.county.settlement_data import add_cases, org

SEP = date(2026, 9, 10)
BUREAU = Scope(StaffRole.BUREAU_CLERK)


@pytest.fixture
def db(county_engine):
    with Session(county_engine) as session:
        yield session


def township(db, name: str) -> Scope:
    return Scope(StaffRole.TOWNSHIP, township_id=db.scalar(select(Township.id).where(Township.name == name)))


def flagged_point(db) -> tuple[dict, list[Case], FraudReview]:
    p = org(db)
    cases = add_cases(db, p["a1"], 10, SEP, 5)
    named = sorted(c.case_id for c in cases[:4])
    hit = Hit(fraud_rules.SAME_DAY, p["a1"].id, "k:FL012:2026-09-10", {"count": 4}, named)
    fraud_review.record_hits(db, [hit], source="scan")
    review = db.scalar(select(FraudReview))
    return p, cases, review


def line(db, row, code) -> SettlementLine | None:
    return db.scalar(
        select(SettlementLine).where(SettlementLine.settlement_id == row.id, SettlementLine.point_code == code)
    )


def test_a_pending_review_holds_the_settlement_and_a_disqualification_flows_into_it(db):
    p, cases, review = flagged_point(db)
    held = line(db, settlement.run(db, "2026-Q3", "0.5", actor="test"), "0001")
    assert (held.points, held.payout, held.held_out) == (50, "0.00", "25.00")
    assert held.hold_reason == "刷单复核尚未完成"

    with pytest.raises(CountyError) as refused:  # another township's reviewer: not found, nothing decided
        fraud_review.disqualify(db, township(db, "乙乡"), review.id, [cases[0].case_id], "重复", actor="staff:b")
    assert refused.value.code == "review_not_found"
    with pytest.raises(CountyError) as refused:  # a case the item does not name
        fraud_review.disqualify(db, township(db, "甲乡"), review.id, [cases[9].case_id], "重复", actor="staff:a")
    assert refused.value.code == "case_not_named"

    chosen = [cases[0].case_id, cases[1].case_id]
    fraud_review.disqualify(db, township(db, "甲乡"), review.id, chosen, "同一人一天重复办理", actor="staff:a")
    assert review.state == fraud_review.DISQUALIFIED and review.decided_by == "staff:a"
    assert sorted(c.case_id for c in db.scalars(select(Case).where(Case.disqualified.is_(True)))) == chosen
    actions = db.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions.count("case.disqualify") == 2 and "fraud.disqualify" in actions

    paid = line(db, settlement.run(db, "2026-Q3", "0.5", actor="test"), "0001")  # the draft rerun
    assert (paid.points, paid.payout, paid.hold_reason) == (40, "20.00", None)

    statement = db.scalar(
        select(CountyEvent.payload).where(CountyEvent.kind == "points_statement").order_by(CountyEvent.id.desc())
    )
    told = {f["case_id"]: f for f in statement["flags"]}
    assert set(told) == set(chosen)
    assert told[chosen[0]]["flag"] == "disqualified" and told[chosen[0]]["reason"] == "同一人一天重复办理"
    assert statement["months"]["2026-09"]["credited"] == 40

    with pytest.raises(CountyError) as twice:
        fraud_review.clear(db, BUREAU, review.id, "看错了", actor="staff:x")
    assert twice.value.code == "already_decided"


def test_escalation_keeps_the_hold_and_clearing_releases_it_and_the_tamper_flag(db):
    p, _cases, review = flagged_point(db)
    flag = TamperFlag(device_id="dev", point_id=p["a1"].id, seq=3, kind="conflict", detail="x", created_at=utcnow())
    db.add(flag)
    db.flush()
    fraud_review.record_hits(db, [fraud_rules.tamper_hit(flag)], source="scan")
    assert db.scalar(select(FraudReview.id)) == review.id  # the tamper hit joined the pending item
    with pytest.raises(CountyError) as refused:
        fraud_review.escalate(db, BUREAU, review.id, "inspection", "   ", actor="staff:x")
    assert refused.value.code == "note_required" and review.state == fraud_review.OPEN
    fraud_review.escalate(db, BUREAU, review.id, "inspection", "请乡镇上门核实台账", actor="staff:x")
    held = line(db, settlement.run(db, "2026-Q3", "0.5", actor="test"), "0001")
    assert "刷单复核已转交核查" in held.hold_reason and held.payout == "0.00"

    fraud_review.clear(db, BUREAU, review.id, "核查属实为集中办理，排除", actor="staff:x")
    assert flag.resolved_at is not None and not any(c.disqualified for c in db.scalars(select(Case)))
    paid = line(db, settlement.run(db, "2026-Q3", "0.5", actor="test"), "0001")
    assert (paid.points, paid.payout, paid.hold_reason) == (50, "25.00", None)
    assert {"fraud.escalate", "fraud.clear"} <= set(db.scalars(select(AuditLog.action)))


def test_a_disqualification_also_ends_the_hold_of_the_tamper_flag_it_named(db):
    p, cases, review = flagged_point(db)
    flag = TamperFlag(device_id="dev", point_id=p["a1"].id, seq=3, kind="conflict", detail="x", created_at=utcnow())
    db.add(flag)
    db.flush()
    fraud_review.record_hits(db, [fraud_rules.tamper_hit(flag)], source="scan")
    held = line(db, settlement.run(db, "2026-Q3", "0.5", actor="test"), "0001")
    assert "设备记录被改动" in held.hold_reason and "刷单复核尚未完成" in held.hold_reason
    fraud_review.disqualify(db, BUREAU, review.id, [cases[0].case_id], "伪造办件", actor="staff:x")
    assert flag.resolved_at is not None
    paid = line(db, settlement.run(db, "2026-Q3", "0.5", actor="test"), "0001")
    assert (paid.points, paid.payout, paid.hold_reason) == (45, "22.50", None)


def test_the_counter_is_told_of_a_disqualification_on_its_pull(county):
    counter = Counter(county)
    recorded = [counter.record(NOVEMBER, 600 * n, person=7) for n in range(4)]
    counter.push(recorded + [counter.complete(d, NOVEMBER, 600 * n + 60) for n, d in enumerate(recorded)])
    with county.session() as session:
        review = session.scalar(select(FraudReview))
        fraud_review.disqualify(
            session, BUREAU, review.id, [recorded[3].body["case_id"]], "同一人一天办理4次", actor="staff:x"
        )
        session.commit()
        device = session.get(Device, counter.device_id)
        pulled = feed.pull(session, device, 0, 500)  # an old counter (feed 1) gets it too: no new kind
    statements = [item.payload for item in pulled.items if item.kind == "points_statement"]
    last = statements[-1]
    assert last["months"]["2026-11"]["credited"] == 9
    assert [(f["receipt_no"], f["flag"], f["reason"]) for f in last["flags"]] == [
        (recorded[3].body["receipt_no"], "disqualified", "同一人一天办理4次")
    ]


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_nightly_command_scans_a_range_once_and_refuses_a_backwards_one(county_engine, capsys):
    from county import cli as county_cli

    with Session(county_engine) as db:
        p = org(db)
        for case in add_cases(db, p["a1"], 4, SEP, 3):
            case.item_code, case.id_lookup = "FL012", "ab" * 32
        db.commit()

    def cli(*args: str) -> int:
        return county_cli.main(["--db", county_engine.url.render_as_string(hide_password=False), *args])

    assert cli("fraud-scan", "--from", "2026-09-30", "--to", "2026-09-01") == 1
    assert "结束日期早于开始日期" in capsys.readouterr().out
    assert cli("fraud-scan", "--from", "2026-09-01", "--to", "2026-09-30") == 0
    assert "规则命中 1 处，其中新记录或新增办件 1 处" in capsys.readouterr().out
    assert cli("fraud-scan", "--from", "2026-09-01", "--to", "2026-09-30") == 0
    assert "新记录或新增办件 0 处" in capsys.readouterr().out
    with Session(county_engine) as db:
        assert db.scalar(select(FraudReview.state)) == fraud_review.OPEN


def test_thresholds_come_from_the_environment_and_nonsense_is_refused():
    from county.config import ConfigError, FraudRules, Settings

    env = {"SUISHENBAN_COUNTY_FRAUD_SAME_APPLICANT_DAY": "2", "SUISHENBAN_COUNTY_FRAUD_BURST_WINDOW_SECONDS": "120"}
    rules = FraudRules.from_env(env)
    assert (rules.same_applicant_day, rules.burst_window_seconds, rules.cap) == (2, 120, 1000) and rules.enabled
    assert not FraudRules.from_env({"SUISHENBAN_COUNTY_FRAUD_ENABLED": "0"}).enabled
    with pytest.raises(ConfigError, match="SUISHENBAN_COUNTY_FRAUD_CAP_BAND 应为正整数"):
        FraudRules.from_env({"SUISHENBAN_COUNTY_FRAUD_CAP_BAND": "-5"})
    assert Settings().fraud == FraudRules()
