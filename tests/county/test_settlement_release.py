"""解除暂缓 in a draft settlement: the bureau releases an open serious finding's or a pending review's hold with a
Chinese reason; the line is paid and says why, the hash follows, a rerun keeps it, the audit log has before and
after; a tamper flag is not released here, nor is anything in a published version. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError
from county.models import AuditLog, FraudReview, Inspection, InspectionFinding, SettlementLine, TamperFlag
from county.services import settlement, settlement_publish, settlement_release
from county.services.common import utcnow
from tests.county.settlement_data import add_cases, org

SEP = date(2026, 9, 10)


@pytest.fixture
def db(county_engine):
    with Session(county_engine) as session:
        yield session


def serious_finding(session: Session, point) -> InspectionFinding:
    visit = Inspection(
        point_id=point.id,
        kind="bureau",
        inspected_on=date(2026, 9, 15),
        inspector="县局督查组",
        checklist={},
        note="",
        created_by="test",
        created_at=datetime(2026, 9, 15, tzinfo=UTC),
    )
    session.add(visit)
    session.flush()
    finding = InspectionFinding(
        inspection_id=visit.id,
        point_id=point.id,
        severity="serious",
        description="未核验申请人身份即代为办理",
        fix_required="逐件补核身份",
        fix_days=10,
        fix_due=date(2026, 9, 30),
    )
    session.add(finding)
    session.flush()
    return finding


def line(session, row, code) -> SettlementLine:
    session.expire_all()
    return session.scalar(
        select(SettlementLine).where(SettlementLine.settlement_id == row.id, SettlementLine.point_code == code)
    )


def test_a_released_hold_is_paid_with_its_reason_on_the_line_and_audited(db):
    p = org(db)
    add_cases(db, p["a1"], 20, SEP, 5)  # 100 points
    add_cases(db, p["a2"], 4, SEP, 5)
    serious_finding(db, p["a1"])
    now = utcnow()
    db.add(FraudReview(point_id=p["a2"].id, state="open", opened_at=now, updated_at=now))
    db.flush()
    row = settlement.run(db, "2026-Q3", "0.5", actor="test")
    held = line(db, row, "0001")
    assert (held.payout, held.held_out) == ("0.00", "50.00") and "督查" in held.hold_reason
    held_for = held.hold_reason
    before_hash = row.content_hash
    for bad in ("", "   ", "ok fixed", "已改", "x" * 300):
        with pytest.raises(CountyError) as refused:
            settlement_release.release(db, row.id, p["a1"].id, bad, actor="admin")
        assert refused.value.code == "reason" and "中文" in refused.value.message
    released = settlement_release.release(db, row.id, p["a1"].id, "现场复查已整改到位，整改记录待补录", actor="admin")
    assert (released.payout, released.held_out, released.hold_reason) == ("50.00", "0.00", None)
    assert "督查发现严重问题尚未整改" in released.hold_released and "现场复查已整改到位" in released.hold_released
    assert "（admin）" in released.hold_released
    note = released.hold_released
    assert row.content_hash != before_hash and settlement_publish.stored_hash(db, row) == row.content_hash
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "settlement.release"))
    assert entry.target == "point:0001" and entry.detail["reason"] == "现场复查已整改到位，整改记录待补录"
    assert entry.detail["before"]["payout"] == "0.00" and entry.detail["after"]["payout"] == "50.00"
    assert entry.detail["before"]["hold_reason"] == held_for and entry.detail["after"]["hold_reason"] is None
    with pytest.raises(CountyError) as refused:
        settlement_release.release(db, row.id, p["a1"].id, "再次解除试一试看", actor="admin")
    assert refused.value.code == "not_held"
    # the other held point stays held; a rerun of the draft keeps the release and gives the same hash
    assert line(db, row, "0002").hold_reason == "刷单复核尚未完成"
    digest = row.content_hash
    again = settlement.run(db, "2026-Q3", "0.5", actor="test")
    assert again.content_hash == digest and line(db, again, "0001").hold_released == note
    settlement_publish.publish(db, again.id, actor="test", seen_hash=digest)
    from county.services.points import settled

    told = settled(db, p["a1"])["2026-Q3"]
    assert told["hold_released"] == note and told["payout"] == "50.00"
    assert "hold_released" not in settled(db, p["a2"])["2026-Q3"]  # other statements as they were
    with pytest.raises(CountyError) as refused:
        settlement_release.release(db, again.id, p["a2"].id, "复核材料已看过没有问题", actor="admin")
    assert refused.value.code == "published"


def test_a_tamper_flag_is_not_released_in_a_settlement(db):
    p = org(db)
    add_cases(db, p["b1"], 4, SEP, 5)
    db.add(TamperFlag(device_id="dev", point_id=p["b1"].id, seq=3, kind="edited", detail="x", created_at=utcnow()))
    serious_finding(db, p["b1"])
    row = settlement.run(db, "2026-Q3", "0.5", actor="test")
    released = settlement_release.release(db, row.id, p["b1"].id, "督查问题已现场整改完毕", actor="admin")
    assert released.payout == "0.00" and "防篡改" in released.hold_reason  # still held by the flag
    assert "督查" in released.hold_released and "督查" not in released.hold_reason
    with pytest.raises(CountyError) as refused:
        settlement_release.release(db, row.id, p["b1"].id, "设备记录的问题已经查清", actor="admin")
    assert refused.value.code in {"not_releasable", "released"}
