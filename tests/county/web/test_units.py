"""The three kinds of service unit through the app: a helper team's members (each trained, each with an account
and a laptop of their own) and a cooperating outlet's activity days, shown on the 专区."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from county.models import Account, ActivityDay, Device, Point, TeamMember, Township
from county.services import admin, enrolment, trainings
from sync.clock import china_today
from sync.wire import EnrolRequest
from tests.county.web.conftest import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite", "postgres"], indirect=True)


def client_of(console, name: str):
    client = console.client()
    assert sign_in(client, console.users[name].username).status_code == 303
    return client


def unit(console, kind: str, name: str, *, trained: tuple[str, ...] = ()) -> str:
    """A new service unit of瑶里镇 of ``kind``; ``trained`` names attended a training held today for it."""
    with console.county.session() as db:
        point = admin.create_point(db, name, "瑶里镇", kind=kind, actor="test")
        if trained:
            held = trainings.create_session(db, china_today(), "县政务服务中心", "周老师", actor="test")
            for person in trained:
                trainings.attend(db, held.id, point=point, name=person, actor="test")
        db.commit()
        return point.code


def post(client, path: str, form: dict):
    token = csrf_of(client.get("/console/points").text)
    return client.post(path, data={**form, "csrf": token})


def enrol(console, code: str) -> int:
    with console.county.session() as db:
        result = enrolment.enrol(
            db,
            EnrolRequest(activation_code=code, app_version="test", device_time="2026-11-27T09:30:00.000+08:00"),
            client="127.0.0.1",
            settings=console.county.settings,
        )
        db.commit()
    return result.device_no


def test_each_team_member_is_trained_and_activates_a_laptop_of_their_own(console):
    code = unit(console, "team", "瑶里村帮代办队伍", trained=("张丽", "王强"))
    bureau = client_of(console, "bureau_clerk")
    refused = post(bureau, f"/console/points/{code}/team", {"name": "李四", "covers": "三组"})
    assert refused.status_code == 400 and "还没有参加过培训" in refused.text
    assert 'value="三组"' in refused.text  # the form keeps what was typed
    codes = []
    for name, covers in (("张丽", "一组、二组"), ("王强", "三组、四组")):
        issued = post(bureau, f"/console/points/{code}/team", {"name": name, "covers": covers})
        assert issued.status_code == 200 and name in issued.text
        codes.append(re.search(r'id="activation-code">([^<]+)<', issued.text).group(1))
    assert [enrol(console, c) for c in codes] == [1, 2]  # two laptops, one per member
    with console.county.session() as db:
        point_id = db.scalar(select(Point.id).where(Point.code == code))
        assert db.scalar(select(func.count()).select_from(Account).where(Account.point_id == point_id)) == 2
        members = dict(db.execute(select(Account.name, TeamMember.covers).join(TeamMember)).all())
        assert members == {"张丽": "一组、二组", "王强": "三组、四组"}
        owners = db.scalars(
            select(Account.name)
            .join(Device, Device.account_id == Account.id)
            .where(Device.point_id == point_id)
            .order_by(Device.device_no)
        ).all()
        assert owners == ["张丽", "王强"]
    township = client_of(console, "township_a")
    page = township.get(f"/console/points/{code}/team").text
    assert "一组、二组" in page and "1 台" in page and "加入成员" not in page  # the township reads only
    assert post(township, f"/console/points/{code}/team", {"name": "赵六", "covers": "五组"}).status_code == 403
    assert client_of(console, "township_b").get(f"/console/points/{code}/team").status_code == 404
    shop = post(bureau, f"/console/points/{console.a.point_code}/team", {"name": "张丽", "covers": "一组"})
    assert shop.status_code == 400 and "不是帮代办队伍" in shop.text


def test_an_outlets_activity_days_reach_the_zhuanqu_and_bad_lines_change_nothing(console):
    code = unit(console, "outlet", "瑶里邮政网点")
    bureau = client_of(console, "bureau_clerk")
    path = f"/console/points/{code}/activity"
    weekly = {"weekday": "2", "starts": "9:00", "ends": "12:00", "place": "营业厅大堂"}
    assert post(bureau, path, weekly).status_code == 303
    soon = china_today() + timedelta(days=9)
    assert post(bureau, path, {"on_date": soon.isoformat(), "starts": "14:00", "ends": "16:30"}).status_code == 303
    refusals = {
        "二选一": {"weekday": "1", "on_date": soon.isoformat(), "starts": "9:00", "ends": "10:00"},
        "已经过去": {"on_date": (china_today() - timedelta(days=1)).isoformat(), "starts": "9:00", "ends": "10:00"},
        "要晚于": {"weekday": "4", "starts": "12:00", "ends": "9:00"},
        "时间重叠": {"weekday": "2", "starts": "11:00", "ends": "13:00"},
        "时:分": {"weekday": "4", "starts": "九点", "ends": "12:00"},
    }
    for message, form in refusals.items():
        refused = post(bureau, path, form)
        assert refused.status_code == 400 and message in refused.text, message
    shop = post(bureau, f"/console/points/{console.a.point_code}/activity", weekly)
    assert shop.status_code == 400 and "不是合作网点" in shop.text
    with console.county.session() as db:
        assert db.scalar(select(func.count()).select_from(ActivityDay)) == 2
        town_id = db.scalar(select(Township.id).where(Township.name == "瑶里镇"))
    weekday = "一二三四五六日"[soon.weekday()]
    dated = f"{soon.month}月{soon.day}日（周{weekday}） 14:00–16:30"
    public = console.client()
    single = public.get(f"/ssb/p/{code}").text
    listed = public.get(f"/ssb/points?t={town_id}").text
    listed = listed[listed.find(f'href="/ssb/p/{code}"') :]  # the outlet's card in its township's directory
    for page in (single, listed):
        facts = page[page.find("<dl") : page.find("</dl>")]
        assert "活动日" in facts and "每周三 9:00–12:00（营业厅大堂）" in facts and dated in facts, facts
    assert "活动日" not in public.get(f"/ssb/p/{console.a.point_code}").text  # a shop has none
    with console.county.session() as db:
        day_id = db.scalar(select(ActivityDay.id).where(ActivityDay.weekday == 2))
    assert post(client_of(console, "township_a"), f"{path}/{day_id}/remove", {}).status_code == 403
    removed = post(bureau, f"{path}/{day_id}/remove", {})
    assert removed.status_code == 200 and "已删去" in removed.text
    assert "每周三" not in public.get(f"/ssb/p/{code}").text
