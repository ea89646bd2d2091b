"""The 专区's application form (申请) and progress page over HTTP: no sign-in, photos, challenge, throttled codes."""

from __future__ import annotations

import re

from sqlalchemy import select

from county.models import ApplicationPhoto, PointApplication, Township
from county.services import applications
from county.services.scope import Scope
from county.services.staff import StaffRole
from tests.county.applications_data import AGENT_ID, AGENT_PHONE, tiny_png
from tests.county.web.test_consult_browser import solve

# both databases: the photos are a BLOB on SQLite and a bytea on PostgreSQL


def _fields(console, **overrides) -> dict[str, str]:
    with console.county.session() as db:
        town = db.scalar(select(Township.id).where(Township.name == "瑶里镇"))
    return {
        "kind": "shop",
        "shop_name": "绕南村便民超市",
        "agent_name": "程桂兰",
        "phone": AGENT_PHONE,
        "id_number": AGENT_ID,
        "township_id": str(town),
        "village": "绕南村",
        "address": "绕南村一组 18 号",
        **overrides,
    }


def _ft(client) -> str:
    """The form's anti-forgery token, as the applicant's browser gets it by opening the page (kept in a cookie)."""
    return re.search(r'name="ft" value="([^"]+)"', client.get("/ssb/sq").text).group(1)


def _codes(html: str) -> tuple[str, str]:
    number = re.search(r'id="number">([^<]+)<', html).group(1)
    check = re.search(r'id="check">([^<]+)<', html).group(1)
    return number, check


def test_an_application_with_photos_and_its_progress_by_number_and_code(console):
    client = console.client()
    ft = _ft(client)
    form = client.get("/ssb/sq")
    assert form.status_code == 200 and "<script" not in form.text and 'enctype="multipart/form-data"' in form.text
    files = [("photos", ("门头.png", tiny_png(), "image/png")), ("photos", ("店内.png", tiny_png(3, 3), "image/png"))]
    done = client.post("/ssb/sq", data=_fields(console, ft=ft), files=files)
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    number, check = _codes(done.text)
    with console.county.session() as db:
        row = db.scalar(select(PointApplication).where(PointApplication.number == number))
        assert row.source == "zhuanqu" and row.state == "submitted"
        assert len(db.scalars(select(ApplicationPhoto).where(ApplicationPhoto.application_id == row.id)).all()) == 2
    shown = client.get("/ssb/sq/s", params={"n": number, "c": check.lower()})
    assert shown.status_code == 200 and "待乡镇初审" in shown.text and "绕南村便民超市" in shown.text
    for private in ("程桂兰", AGENT_PHONE, AGENT_ID, "138****5678"):
        assert private not in shown.text
    wrong = client.get("/ssb/sq/s", params={"n": number, "c": "ZZZZZZ" if check != "ZZZZZZ" else "YYYYYY"})
    assert wrong.status_code == 404 and "没有找到这份申请" in wrong.text


def test_wrong_check_codes_are_throttled_per_address(console):
    client = console.client()
    limit = console.county.settings.limits.consult_misses_per_address
    for _ in range(limit):
        assert client.get("/ssb/sq/s", params={"n": "SQ20261207001", "c": "AAAAAA"}).status_code == 404
    refused = client.get("/ssb/sq/s", params={"n": "SQ20261207001", "c": "AAAAAA"})
    assert refused.status_code == 429 and "15 分钟后再试" in refused.text and refused.headers["retry-after"]


def test_the_second_application_from_an_address_asks_a_sum_and_bad_photos_save_nothing(console):
    client = console.client()
    ft = _ft(client)
    bad = client.post(
        "/ssb/sq", data=_fields(console, ft=ft), files=[("photos", ("x.png", b"<svg></svg>", "image/png"))]
    )
    assert bad.status_code == 400 and "只能是 JPG 或 PNG" in bad.text
    assert 'value="绕南村便民超市"' in bad.text  # what was typed stays
    with console.county.session() as db:
        assert db.scalar(select(PointApplication.id)) is None
    form = client.get("/ssb/sq")
    assert "请先算一算" in form.text  # the refused try counted: the next one needs the challenge
    refused = client.post("/ssb/sq", data=_fields(console, ft=ft))
    assert refused.status_code == 400 and "验证题答得不对" in refused.text
    token = re.search(r'name="token" value="([^"]+)"', refused.text).group(1)
    label = re.search(r'<label for="solution">([^<]+)</label>', refused.text).group(1)
    done = client.post("/ssb/sq", data=_fields(console, ft=ft, token=token, solution=solve(label)))
    assert done.status_code == 200 and _codes(done.text)[0].startswith("SQ")
    huge = client.post("/ssb/sq", content=b"x", headers={"content-length": str(20 * 1024 * 1024)})
    assert huge.status_code == 413 and "最多 3 张照片" in huge.text


def test_a_returned_application_is_fixed_by_the_applicant(console):
    client = console.client()
    ft = _ft(client)
    number, check = _codes(client.post("/ssb/sq", data=_fields(console, ft=ft)).text)
    with console.county.session() as db:
        row = db.scalar(select(PointApplication).where(PointApplication.number == number))
        scope = Scope(StaffRole.TOWNSHIP, township_id=row.township_id)
        applications.township_review(db, scope, row.id, "return", "地址写到门牌号", actor="staff:township.a")
        db.commit()
    shown = client.get("/ssb/sq/s", params={"n": number, "c": check})
    assert "已退回" in shown.text and "地址写到门牌号" in shown.text and "/ssb/sq/edit" in shown.text
    edit = client.get("/ssb/sq/edit", params={"n": number, "c": check})
    assert edit.status_code == 200 and 'value="绕南村一组 18 号"' in edit.text
    assert AGENT_PHONE not in edit.text and AGENT_ID not in edit.text and "程桂兰" not in edit.text
    fixed = client.post(
        "/ssb/sq/fix", data={**_fields(console, ft=ft, address="绕南村一组 18 号（小卖部）"), "n": number, "c": check}
    )
    assert fixed.status_code == 200 and "修改已提交" in fixed.text and "待乡镇初审" in fixed.text
    again = client.post("/ssb/sq/fix", data={**_fields(console, ft=ft), "n": number, "c": check})
    assert again.status_code == 400 and "不需要修改" in again.text


def test_an_application_posted_from_another_site_saves_nothing_and_keeps_what_was_typed(console):
    client = console.client()
    ft = _ft(client)
    for sent in ({}, {"ft": ft + "x"}):
        refused = client.post("/ssb/sq", data={**_fields(console), **sent})
        assert refused.status_code == 403 and "这一页已经过期" in refused.text
        assert 'value="绕南村便民超市"' in refused.text  # what was typed stays
    foreign = client.post("/ssb/sq", data=_fields(console, ft=ft), headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    with console.county.session() as db:
        assert db.scalar(select(PointApplication.id)) is None
    assert client.post("/ssb/sq", data=_fields(console, ft=ft)).status_code == 200
