"""刷单复核 pages through the app (no browser): the queue and item scoped to the township, a decision needs the
form's CSRF token, a refused decision changes nothing and says why."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from county.models import AuditLog, Case, FraudReview
from tests.county.web.conftest import csrf_of, sign_in
from tests.county.web.fraud_seed import repeated_applicant

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite", "postgresql"], indirect=True)


def test_the_township_reviews_its_own_point_and_not_another_townships(console):
    review_id, receipts = repeated_applicant(console)
    own, other = console.client(), console.client()
    sign_in(own, "township.a")
    sign_in(other, "township.b")
    assert 'id="count-fraud">1<' in own.get("/console/").text  # the desk counts it
    assert 'id="count-fraud">0<' in other.get("/console/").text
    queue = own.get("/console/fraud").text
    assert "同一人同一事项一天内多次办理" in queue and console.a.point_code in queue
    assert console.a.point_code not in other.get("/console/fraud").text
    assert other.get(f"/console/fraud/{review_id}").status_code == 404
    item = own.get(f"/console/fraud/{review_id}").text
    assert "办理“助农取现”5 次，超过设定的每天 3 次" in item
    assert all(receipt in item for receipt in receipts)
    assert "5f3a" not in item  # not even the look-up hash is shown


def test_a_decision_needs_the_token_and_a_reason_and_nothing_is_half_written(console):
    review_id, _receipts = repeated_applicant(console)
    client = console.client()
    sign_in(client, "bureau.clerk")
    token = csrf_of(client.get(f"/console/fraud/{review_id}").text)
    with console.county.session() as db:
        picked = db.scalars(select(Case.case_id).where(Case.item_code == "FL012", Case.id_lookup.is_not(None))).all()
    forged = client.post(f"/console/fraud/{review_id}/disqualify", data={"case_ids": picked, "reason": "刷单"})
    assert forged.status_code == 403 and "页面已过期" in forged.text
    empty = client.post(
        f"/console/fraud/{review_id}/disqualify", data={"csrf": token, "case_ids": picked[:2], "reason": "  "}
    )
    assert empty.status_code == 400 and "请写明取消资格的原因" in empty.text
    with console.county.session() as db:
        assert not db.scalars(select(Case).where(Case.disqualified.is_(True))).all()
        assert db.scalar(select(FraudReview.state)) == "open"
        assert "fraud.disqualify" not in db.scalars(select(AuditLog.action)).all()
    done = client.post(
        f"/console/fraud/{review_id}/disqualify", data={"csrf": token, "case_ids": picked[:2], "reason": "重复登记"}
    )
    assert done.status_code == 303
    page = client.get(f"/console/fraud/{review_id}").text
    assert "已取消资格" in page and page.count("已取消资格：重复登记") == 2


def test_the_bureau_escalates_then_clears_and_the_queue_empties(console):
    review_id, _receipts = repeated_applicant(console)
    client = console.client()
    sign_in(client, "bureau.clerk")
    token = csrf_of(client.get(f"/console/fraud/{review_id}").text)
    bad = client.post(f"/console/fraud/{review_id}/escalate", data={"csrf": token, "to": "jail", "note": "x"})
    assert bad.status_code == 400 and "请选择转交现场核查" in bad.text
    sent = client.post(
        f"/console/fraud/{review_id}/escalate", data={"csrf": token, "to": "inspection", "note": "请乡镇上门核实"}
    )
    assert sent.status_code == 303
    page = client.get(f"/console/fraud/{review_id}").text
    assert "已转交核查" in page and "已转交现场核查：请乡镇上门核实" in page and "取消所选办件的资格" in page
    assert "/escalate" not in page  # escalated once; now only a final decision
    done = client.post(f"/console/fraud/{review_id}/clear", data={"csrf": token, "note": "核实为活动日集中办理"})
    assert done.status_code == 303
    assert "没有待复核的事项" in client.get("/console/fraud").text
    assert "已排除" in client.get("/console/fraud?show=all").text
    with console.county.session() as db:
        actions = db.scalars(select(AuditLog.action).where(AuditLog.action.like("fraud.%"))).all()
        assert actions == ["fraud.escalate", "fraud.clear"]
        assert not db.scalars(select(Case).where(Case.disqualified.is_(True))).all()


def test_a_pattern_across_points_is_explained_at_each_point_with_only_its_own_cases(console):
    """跨点重复办理 (cross_point) found by the real nightly scan, the threshold lowered to one point: each township
    reviews its own point's case, told in plain words how many points the pattern spans, never which."""
    from datetime import date, timedelta

    import time_machine

    from county.config import FraudRules
    from county.models import Point
    from county.services import fraud_scan
    from tests.county.settlement_data import add_cases, china

    day = date(2026, 11, 10)
    with console.county.session() as db:
        receipts = {}
        for site, offset in ((console.a, 0), (console.b, 3)):
            point = db.scalar(select(Point).where(Point.code == site.point_code))
            (case,) = add_cases(db, point, 1, day + timedelta(days=offset), 3)
            case.item_code, case.id_lookup = "FL011", "7c1e" * 16  # one applicant's look-up hash
            receipts[site.point_code] = case.receipt_no
        db.flush()
        with time_machine.travel(china(date(2026, 11, 14)), tick=False):
            fraud_scan.scan(db, day, day + timedelta(days=3), FraudRules(cross_point_points=1))
        db.commit()
        ids = dict(db.execute(select(Point.code, FraudReview.id).join(Point, Point.id == FraudReview.point_id)).all())
    for user, site, other in (("township.a", console.a, console.b), ("township.b", console.b, console.a)):
        client = console.client()
        sign_in(client, user)
        assert "同一人同一事项几天内在多个代办点办理" in client.get("/console/fraud").text
        item = client.get(f"/console/fraud/{ids[site.point_code]}").text
        assert "2026-11-10 至 2026-11-13 在 2 个不同的代办点办理“医保卡激活”共 2 次（本点 1 次）" in item
        assert "超过设定的 7 天内最多 1 个代办点" in item
        assert receipts[site.point_code] in item and receipts[other.point_code] not in item
        other_code = re.compile(rf"(?<!\d){other.point_code}(?!\d)")  # not inside a case id or receipt number
        assert other_code.search(item) is None and "7c1e" not in item
