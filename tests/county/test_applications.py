"""Applications (申请) 村 → 乡镇初审 → 县局审核, and the training rule for accounts (培训), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from county.errors import CountyError
from county.models import Account, ApplicationPhoto, AuditLog, Point, PointApplication, Township, TrainingWaiver
from county.services import admin, applications, trainings
from county.services.applications import Photo, photo_of
from county.services.scope import Scope
from county.services.staff import StaffRole
from sync.clock import china_today
from tests.county.applications_data import AGENT_ID, AGENT_PHONE, make_form, tiny_png

BUREAU = Scope(StaffRole.BUREAU_CLERK)


def _towns(county) -> dict[str, int]:
    with county.session() as session:
        for name in ("瑶里镇", "经公桥镇"):
            admin.create_township(session, name, actor="test")
        session.commit()
        return {t.name: t.id for t in session.scalars(select(Township))}


def _township(towns, name="瑶里镇") -> Scope:
    return Scope(StaffRole.TOWNSHIP, township_id=towns[name])


def _submit(county, **overrides) -> tuple[int, str, str]:
    with county.session() as session:
        row, code = applications.submit(
            session,
            county.box,
            make_form(session, **overrides),
            [photo_of(tiny_png())],
            source="zhuanqu",
            actor="public",
        )
        session.commit()
        return row.id, row.number, code


def test_an_application_passes_both_reviews_and_becomes_a_listed_point(county):
    towns = _towns(county)
    app_id, number, code = _submit(county)
    assert number == f"SQ{china_today():%Y%m%d}001" and len(code) == 6
    with county.session() as session:
        row = session.get(PointApplication, app_id)
        assert AGENT_PHONE not in row.agent_sealed and AGENT_ID not in row.agent_sealed  # sealed at rest
        shown = applications.agent_of(county.box, row)
        assert (shown.phone, shown.id_number) == ("138****5678", AGENT_ID[:4] + "*" * 10 + AGENT_ID[-4:])
        assert applications.by_code(session, number.lower(), code.lower()) is not None
        assert applications.by_code(session, number, "AAAAAA" if code != "AAAAAA" else "BBBBBB") is None
        applications.township_review(session, _township(towns), app_id, "pass", "", actor="staff:yaoli")
        session.commit()
    with county.session() as session:
        with pytest.raises(CountyError, match="不能再做乡镇初审"):
            applications.township_review(session, _township(towns), app_id, "pass", "", actor="staff:yaoli")
        row = applications.bureau_review(session, BUREAU, app_id, "approve", "", actor="staff:clerk")
        session.commit()
        point = session.get(Point, row.point_id)
        assert (point.name, point.kind, point.village, point.address) == (
            "绕南村便民超市",
            "shop",
            "绕南村",
            "绕南村一组 18 号",
        )
        assert point.township_id == towns["瑶里镇"]
        steps = [(s.step, s.actor) for s in applications.steps(session, row)]
        assert steps == [
            ("submit", "public"),
            ("township_pass", "staff:yaoli"),
            ("bureau_approve", "staff:clerk"),
        ]
        actions = set(session.scalars(select(AuditLog.action).where(AuditLog.target == f"application:{number}")))
        assert actions == {"application.submit", "application.township_pass", "application.bureau_approve"}
        details = " ".join(str(d) for d in session.scalars(select(AuditLog.detail)))
        assert AGENT_PHONE not in details and AGENT_ID not in details


def test_a_township_reviews_only_its_own_and_the_bureau_only_after_it(county):
    towns = _towns(county)
    app_id, _number, _code = _submit(county)
    with county.session() as session:
        with pytest.raises(CountyError, match="不在你的工作范围内"):
            applications.township_review(session, _township(towns, "经公桥镇"), app_id, "pass", "", actor="x")
        with pytest.raises(CountyError, match="不能做县局审核"):
            applications.bureau_review(session, BUREAU, app_id, "approve", "", actor="x")
        assert session.get(PointApplication, app_id).state == "submitted"


def test_a_return_needs_a_reason_and_the_fixed_application_starts_over(county):
    towns = _towns(county)
    app_id, number, code = _submit(county)
    with county.session() as session:
        with pytest.raises(CountyError, match="请写明原因"):
            applications.township_review(session, _township(towns), app_id, "return", "  ", actor="staff:yaoli")
        applications.township_review(
            session, _township(towns), app_id, "return", "门头照片看不清，请重拍", actor="staff:yaoli"
        )
        session.commit()
    with county.session() as session:
        row = applications.by_code(session, number, code)
        assert (row.state, row.reason) == ("returned", "门头照片看不清，请重拍")
        applications.resubmit(
            session,
            county.box,
            row,
            make_form(session, address="绕南村一组 20 号"),
            [photo_of(tiny_png(3, 3))],
            actor="public",
        )
        session.commit()
        assert (row.state, row.reason, row.address) == ("submitted", None, "绕南村一组 20 号")
        assert len(applications.photo_ids(session, row)) == 2
        applications.township_review(session, _township(towns), app_id, "pass", "", actor="staff:yaoli")
        applications.bureau_review(session, BUREAU, app_id, "reject", "本村已有代办点", actor="staff:clerk")
        session.commit()
        assert (row.state, row.point_id) == ("rejected", None)
        assert [s.step for s in applications.steps(session, row)][-1] == "bureau_reject"


def test_photos_are_jpeg_or_png_of_limited_size_and_number(county):
    _towns(county)
    with pytest.raises(CountyError, match="只能是 JPG 或 PNG"):
        photo_of(b"GIF89a" + b"\x00" * 40)
    with pytest.raises(CountyError, match="只能是 JPG 或 PNG"):
        photo_of(tiny_png()[:-12])  # cut short
    with pytest.raises(CountyError, match="不能超过 2 MB"):
        photo_of(b"\xff\xd8\xff" + b"\x00" * applications.MAX_PHOTO_BYTES + b"\xff\xd9")
    assert photo_of(b"\xff\xd8\xff\xe0" + b"\x10" * 64 + b"\xff\xd9").content_type == "image/jpeg"
    with county.session() as session:
        with pytest.raises(CountyError, match="最多 3 张照片"):
            applications.submit(
                session,
                county.box,
                make_form(session),
                [Photo("image/png", tiny_png())] * 4,
                source="zhuanqu",
                actor="public",
            )
        with pytest.raises(CountyError, match="身份证"):
            applications.submit(
                session, county.box, make_form(session, id_number="360222"), [], source="paper", actor="staff:yaoli"
            )
        session.rollback()
        assert session.scalar(select(PointApplication.id)) is None
        assert session.scalar(select(ApplicationPhoto.id)) is None


def test_an_untrained_agent_gets_no_account_or_code_without_the_bureaus_reason(county):
    towns = _towns(county)
    app_id, _number, _code = _submit(county)
    with county.session() as session:
        applications.township_review(session, _township(towns), app_id, "pass", "", actor="staff:yaoli")
        row = applications.bureau_review(session, BUREAU, app_id, "approve", "", actor="staff:clerk")
        session.commit()
        code = session.get(Point, row.point_id).code
    with county.session() as session:
        with pytest.raises(CountyError, match="还没有参加过培训"):
            admin.create_account(session, code, "程桂兰", actor="staff:clerk")
        session.rollback()
        assert session.scalar(select(Account.id).where(Account.name == "程桂兰")) is None
        planned = trainings.create_session(
            session, china_today() + timedelta(days=3), "县政务服务中心", "李老师", actor="staff:clerk"
        )
        with pytest.raises(CountyError, match="还没有举行"):  # a planned training does not count yet
            trainings.attend(session, planned.id, application=session.get(PointApplication, app_id), actor="x")
        training = trainings.create_session(
            session, china_today(), "瑶里镇政府二楼会议室", "张老师", actor="staff:clerk"
        )
        trainings.attend(session, training.id, application=session.get(PointApplication, app_id), actor="staff:clerk")
        account = admin.create_account(session, code, "程桂兰", actor="staff:clerk")
        issued = admin.issue_activation_code(session, account.id, ttl=timedelta(hours=1), actor="staff:clerk")
        session.commit()
        assert len(issued.code) == 14
        # a second person at the same point, not trained: refused, then opened with the bureau's written reason
        with pytest.raises(CountyError, match="还没有参加过培训"):
            admin.create_account(session, code, "程小军", actor="staff:clerk")
        session.rollback()
        helper = admin.create_account(session, code, "程小军", actor="staff:clerk", override_reason="下周补训，先开通")
        admin.issue_activation_code(session, helper.id, ttl=timedelta(hours=1), actor="staff:clerk")
        session.commit()
        waiver = session.scalar(select(TrainingWaiver).where(TrainingWaiver.name == "程小军"))
        assert (waiver.reason, waiver.granted_by) == ("下周补训，先开通", "staff:clerk")
        override = session.scalar(select(AuditLog).where(AuditLog.action == "training.override"))
        assert override.target == f"point:{code}" and override.detail["reason"] == "下周补训，先开通"
        assert trainings.clearance(session, session.get(Point, row.point_id), "程桂兰").trained_on == china_today()


def test_an_account_made_before_training_was_recorded_needs_a_reason_for_a_new_code(county):
    _towns(county)
    with county.session() as session:
        point = admin.create_point(session, "经公桥村小卖部", "经公桥镇", actor="test")
        session.add(Account(point_id=point.id, name="李四", created_at=point.created_at))  # as an old county had it
        session.commit()
        account_id = session.scalar(select(Account.id).where(Account.name == "李四"))
        with pytest.raises(CountyError, match="还没有参加过培训"):
            admin.issue_activation_code(session, account_id, ttl=timedelta(hours=1), actor="cli:test")
        session.rollback()
        admin.issue_activation_code(
            session, account_id, ttl=timedelta(hours=1), actor="cli:test", override_reason="老代办员，已培训多年"
        )
        session.commit()


@pytest.mark.parametrize("county_engine", ["postgresql"], indirect=True)
def test_two_clerks_approving_at_once_make_one_point(county):
    import threading

    towns = _towns(county)
    app_id, _number, _code = _submit(county)
    with county.session() as session:
        applications.township_review(session, _township(towns), app_id, "pass", "", actor="staff:yaoli")
        session.commit()
    start, outcomes = threading.Barrier(2), []

    def approve(actor: str) -> None:
        with county.session() as session:
            start.wait(timeout=30)
            try:
                applications.bureau_review(session, BUREAU, app_id, "approve", "", actor=actor)
                session.commit()
                outcomes.append("approved")
            except CountyError as exc:
                outcomes.append(exc.message)

    threads = [threading.Thread(target=approve, args=(f"staff:{n}",)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[0] == "approved" and "不能做县局审核" in sorted(outcomes)[1]
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(Point).where(Point.name == "绕南村便民超市")) == 1
