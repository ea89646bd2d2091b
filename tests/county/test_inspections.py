"""Inspections (督查) and revocation with clawback (撤销, 第十一条) on SQLite and PostgreSQL: what one revocation
cancels and its reinstatement brings back, the clawback the settlement takes, and the hold of a serious finding."""

from __future__ import annotations

import io
import secrets
from datetime import date, timedelta

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county.errors import CountyError
from county.models import Account, AuditLog, CountyEvent, Device, Inspection, InspectionPhoto, Point
from county.services import admin, inspections, reinstate, revocation, settlement, settlement_publish
from county.services.common import utcnow
from county.services.crediting import county_workdays
from county.services.settlement import holds
from sync.ledger.workdays import add_working_days
from tests.county.settlement_data import add_cases, china, org
from tests.factories import TEST_DAY

BUREAU = "县政务服务管理局"
ALL_PASS = dict.fromkeys(inspections.CHECKS, "pass")

TRAINED_ELSEWHERE = "已在县局集中培训，记录待补"  # these tests are about revocation, not the training rule


@pytest.fixture
def db(county_engine):
    with Session(county_engine) as session:
        yield session


def device(session: Session, point: Point, account: Account, number: int) -> Device:
    row = Device(
        id=secrets.token_hex(16),
        point_id=point.id,
        account_id=account.id,
        device_no=number,
        token_hash="0" * 64,
        enrolled_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def jpeg(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def inspect(session, point, findings=(), checklist=None, photos=(), day="2026-11-25") -> Inspection:
    return inspections.record(
        session,
        point,
        kind="township",
        inspected_on=day,
        inspector="乡镇 李干事",
        checklist=checklist or ALL_PASS,
        note="",
        findings=list(findings),
        photos=list(photos),
        actor="staff:li",
    )


SERIOUS = inspections.FindingDraft("serious", "向群众收取代办费 10 元", "退还费用并公示不收费", "5")


def states(session, point) -> tuple[list, list]:
    accounts = session.execute(select(Account.name, Account.state).where(Account.point_id == point.id)).all()
    devices = session.execute(select(Device.device_no, Device.state).where(Device.point_id == point.id)).all()
    return sorted(accounts), sorted(devices)


def test_revocation_cancels_every_account_and_device_and_reinstatement_brings_back_exactly_those(db):
    p = org(db)["a1"]
    wang, zhao, chen = (
        admin.create_account(db, p.code, n, actor="t", override_reason=TRAINED_ELSEWHERE)
        for n in ("王秀英", "赵大明", "陈小红")
    )
    d1, d2, d3 = device(db, p, wang, 1), device(db, p, zhao, 2), device(db, p, chen, 3)
    admin.revoke_account(db, chen.id, "离职", actor=BUREAU)  # stopped on its own before: not this revocation's
    found = inspect(db, p, [SERIOUS], {**ALL_PASS, "no_fee": "fail"})
    (finding_id,) = [f.id for _i, fs, _p in inspections.of_point(db, p.id) for f in fs]
    done = revocation.revoke_point(db, p.code, "", actor=BUREAU, finding_id=finding_id)
    assert done.reason.startswith("2026年11月25日督查发现：向群众收取代办费") and found.point_id == p.id
    assert states(db, p) == (
        [("王秀英", "revoked"), ("赵大明", "revoked"), ("陈小红", "revoked")],
        [(1, "revoked"), (2, "revoked"), (3, "revoked")],
    )
    cut = revocation.cancelled(db, done)
    assert cut == {"account": [str(wang.id), str(zhao.id)], "device": [d1.id, d2.id, d3.id], "case": []}
    admin.revoke_device(db, f"{p.code}-2", "电脑丢失", actor=BUREAU)  # decided on its own after: stays stopped
    result = reinstate.reinstate_point(db, p.code, "复核后恢复", actor=BUREAU)
    assert states(db, p) == (
        [("王秀英", "active"), ("赵大明", "active"), ("陈小红", "revoked")],
        [(1, "active"), (2, "revoked"), (3, "active")],
    )
    assert [d.device.device_no for d in result.working] == [1]  # 3 is back but its account 陈小红 is not
    assert {d.device.device_no for d in result.stopped} == {2, 3}
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "point.reinstate"))
    assert entry.detail["accounts_back"] == [wang.id, zhao.id] and entry.detail["revocation"] == done.id
    assert done.reinstated_at is not None and done.reinstate_reason == "复核后恢复"
    with pytest.raises(admin.AdminError):  # a revocation needs its finding or a written reason
        revocation.revoke_point(db, p.code, "  ", actor=BUREAU)
    other = org_point(db)
    with pytest.raises(admin.AdminError, match="没有编号为"):  # another point's finding justifies nothing here
        revocation.revoke_point(db, other.code, "", actor=BUREAU, finding_id=finding_id)


def org_point(db) -> Point:
    return db.scalar(select(Point).where(Point.code == "0003"))


def test_a_revocation_with_clawback_is_taken_back_by_the_next_settlement_and_the_point_is_held(db):
    p = org(db)["a2"]
    paid = add_cases(db, p, 10, date(2026, 8, 10), 5)  # 50 points at 0.5 = 25.00 in Q3
    before = add_cases(db, p, 4, date(2026, 7, 10), 5)  # before the finding's period: kept
    q3 = settlement.run(db, "2026-Q3", "0.5", actor="test")
    settlement_publish.publish(db, q3.id, actor="test")
    later = add_cases(db, p, 2, date(2026, 11, 10), 2)
    done = revocation.revoke_point(db, p.code, "虚构办件（刷单）", actor=BUREAU, clawback_from="2026-08-01")
    cut = revocation.cancelled(db, done)
    assert sorted(cut["case"]) == sorted(c.case_id for c in paid + later)
    assert all(c.disqualified for c in paid + later) and not any(c.disqualified for c in before)
    assert "代办点撤销" in paid[0].disqualify_reason
    statement = db.scalar(
        select(CountyEvent.payload)
        .where(CountyEvent.point_id == p.id, CountyEvent.kind == "points_statement")
        .order_by(CountyEvent.id.desc())
        .limit(1)
    )
    assert statement["quarters"]["2026-Q3"] == 20 and "2026-08" not in statement["months"]  # the counter is told
    with time_machine.travel(china(date(2027, 2, 1))):
        q4 = settlement.run(db, "2026-Q4", "0.8", actor="test")
    claws = settlement_publish.clawbacks_of(db, q4)
    assert len(claws) == 10 and {c["amount"] for c in claws} == {"2.50"}
    (mine,) = [line for line in q4_lines(db, q4) if line.point_code == p.code]
    assert (mine.gross, mine.clawback, mine.payout, mine.owed_out) == ("0.00", "25.00", "0.00", "25.00")
    assert "代办点已撤销" in mine.hold_reason
    with pytest.raises(CountyError):  # nothing to revoke twice
        revocation.revoke_point(db, p.code, "再次", actor=BUREAU)


def q4_lines(db, row):
    from county.models import SettlementLine

    return db.scalars(select(SettlementLine).where(SettlementLine.settlement_id == row.id)).all()


def test_an_open_serious_finding_holds_the_settlement_until_its_fix_is_recorded(db):
    p = org(db)
    minor = inspections.FindingDraft("minor", "公示栏有破损", "更换公示栏", "10")
    inspect(db, p["a1"], [SERIOUS, minor], {**ALL_PASS, "no_fee": "fail", "poster": "fail"}, photos=[jpeg()])
    inspect(db, p["a2"], [minor], {**ALL_PASS, "poster": "fail"})
    ids = [p["a1"].id, p["a2"].id, p["b1"].id]
    held = holds(db, "2026-Q4", ids)
    assert list(held) == [p["a1"].id] and "督查发现严重问题尚未整改" in held[p["a1"].id]
    (_insp, findings, photo_ids), *_ = inspections.of_point(db, p["a1"].id)
    serious = next(f for f in findings if f.severity == "serious")
    due = add_working_days(date(2026, 11, 25), 5, county_workdays(db)).day
    assert serious.fix_due == due == date(2026, 12, 2)  # a weekend in between: working days, not days
    assert len(photo_ids) == 1 and db.get(InspectionPhoto, photo_ids[0]).content_type == "image/jpeg"
    with pytest.raises(CountyError, match="不能早于督查日期"):
        inspections.record_fix(db, serious, "2026-11-24", "已退还", actor="staff:li")
    inspections.record_fix(db, serious, "2026-11-26", "已退还费用，公示不收费", actor="staff:li")
    assert holds(db, "2026-Q4", ids) == {}
    with pytest.raises(CountyError, match="已在"):
        inspections.record_fix(db, serious, "2026-11-27", "再次", actor="staff:li")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"checklist": {**ALL_PASS, "sign": "fail"}}, "请至少记一个问题"),
        ({"checklist": {k: v for k, v in ALL_PASS.items() if k != "ledger"}}, "台账相符"),
        ({"photos": [b"GIF89a" + b"\0" * 20]}, "JPEG 或 PNG"),
        ({"photos": [b"\xff\xd8\xff" + b"\0" * inspections.MAX_PHOTO_BYTES]}, "超过了 2 MB"),
        ({"findings": [inspections.FindingDraft("serious", "收费", "", "5")]}, "整改要求"),
        ({"findings": [inspections.FindingDraft("serious", "收费", "退还", "0")]}, "1 到 60 个工作日"),
        ({"day": (TEST_DAY + timedelta(days=3)).isoformat()}, "不能晚于今天"),
    ],
)
@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_wrong_inspection_is_refused_in_chinese_and_nothing_is_saved(db, kwargs, words):
    p = org(db)["a1"]
    db.commit()
    with pytest.raises(CountyError) as refused:
        inspect(db, p, **kwargs)
    db.rollback()
    assert words in refused.value.message and "什么都没有保存" in refused.value.message
    assert db.scalar(select(func.count()).select_from(Inspection)) == 0


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_revoked_point_gets_no_new_account_and_no_activation_code(db):
    p = org(db)["a1"]
    wang = admin.create_account(db, p.code, "王秀英", actor="t", override_reason=TRAINED_ELSEWHERE)
    revocation.revoke_point(db, p.code, "违规刷单", actor=BUREAU)
    with pytest.raises(admin.AdminError, match="已撤销，不能新建"):
        admin.create_account(db, p.code, "李四", actor="t")
    reinstate.reinstate_account(db, wang.id, "账号本身没有问题", actor=BUREAU)  # the point stays revoked
    with pytest.raises(admin.AdminError, match="所在的代办点已撤销，不能发激活码"):
        admin.issue_activation_code(db, wang.id, ttl=timedelta(hours=1), actor="t")
