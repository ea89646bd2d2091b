"""The inspection and revocation pages through the app: who may read and record what, the photo limits, and the
revocation form's refusals (one transaction each: nothing is half-written)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from county.models import Inspection, InspectionPhoto, Point
from county.services import inspections
from tests.county.web.conftest import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1bd6e0000000049454e44ae426082"
)
FORM = {
    "inspected_on": "2026-11-26",
    "inspector": "李干事",
    **{f"check_{key}": "pass" for key in inspections.CHECKS},
    "check_sign": "fail",
    "severity": ["serious", ""],
    "description": ["标识牌没有悬挂", ""],
    "fix_required": ["三日内悬挂标识牌", ""],
    "fix_days": ["3", "5"],
}


def client_of(console, name: str):
    client = console.client()
    assert sign_in(client, console.users[name].username).status_code == 303
    return client


def post_inspection(client, code: str, form: dict, files=None):
    token = csrf_of(client.get("/console/points").text)
    return client.post(f"/console/points/{code}/inspections", data={**form, "csrf": token}, files=files or [])


def count(console, table) -> int:
    with console.county.session() as db:
        return db.scalar(select(func.count()).select_from(table))


def test_a_township_records_its_own_points_inspection_and_only_the_right_people_read_it(console):
    code_a, code_b = console.a.point_code, console.b.point_code
    township = client_of(console, "township_a")
    saved = post_inspection(township, code_a, FORM, files=[("photos", ("a.png", PNG, "image/png"))])
    assert saved.status_code == 303
    page = township.get(saved.headers["location"]).text
    assert "标识牌没有悬挂" in page and "乡镇日常监管" in page and "2026年12月01日" in page  # 3 working days
    assert post_inspection(township, code_b, FORM).status_code == 404  # another township's point
    assert township.get(f"/console/points/{code_b}/inspections").status_code == 404
    with console.county.session() as db:
        (photo_id,) = db.scalars(select(InspectionPhoto.id)).all()
        row = db.scalar(select(Inspection))
        assert row.kind == "township" and row.checklist["sign"] == "fail"
    for name in ("finance", "bureau_clerk"):
        reader = client_of(console, name)
        assert "标识牌没有悬挂" in reader.get(f"/console/points/{code_a}/inspections").text
        shown = reader.get(f"/console/points/{code_a}/photos/{photo_id}")
        assert shown.content == PNG and shown.headers["content-type"] == "image/png"
        assert reader.get(f"/console/points/{code_b}/photos/{photo_id}").status_code == 404  # not that point's
    other = client_of(console, "township_b")
    assert other.get(f"/console/points/{code_a}/inspections").status_code == 404
    assert other.get(f"/console/points/{code_a}/photos/{photo_id}").status_code == 404
    assert client_of(console, "department").get(f"/console/points/{code_a}/inspections").status_code == 403


def test_a_wrong_photo_or_a_failed_check_without_a_finding_saves_nothing(console):
    township = client_of(console, "township_a")
    code = console.a.point_code
    gif = post_inspection(township, code, FORM, files=[("photos", ("a.gif", b"GIF89a" + b"\0" * 40, "image/gif"))])
    assert gif.status_code == 400 and "JPEG 或 PNG" in gif.text
    big = b"\xff\xd8\xff" + b"\0" * inspections.MAX_PHOTO_BYTES
    large = post_inspection(township, code, FORM, files=[("photos", ("big.jpg", big, "image/jpeg"))])
    assert large.status_code == 400 and "超过了 2 MB" in large.text
    bare = {**FORM, "severity": ["", ""], "description": ["", ""], "fix_required": ["", ""]}
    refused = post_inspection(township, code, bare)
    assert refused.status_code == 400 and "请至少记一个问题" in refused.text
    assert count(console, Inspection) == 0 and count(console, InspectionPhoto) == 0


def test_the_bureau_revokes_on_a_finding_and_a_fix_is_recorded(console):
    code = console.a.point_code
    township = client_of(console, "township_a")
    assert post_inspection(township, code, FORM).status_code == 303
    with console.county.session() as db:
        point = db.scalar(select(Point).where(Point.code == code))
        finding = inspections.of_point(db, point.id)[0][1][0]
    bureau = client_of(console, "bureau_clerk")
    assert (
        "有 1 个尚未整改，其中严重 1 个：整改完成前，这个代办点的季度奖补暂停发放"
        in bureau.get(f"/console/points/{code}").text
    )
    token = csrf_of(bureau.get(f"/console/points/{code}/revocation").text)
    empty = bureau.post(f"/console/points/{code}/revoke", data={"csrf": token, "reason": " "})
    assert empty.status_code == 400 and "撤销代办点要有依据" in empty.text
    future = bureau.post(
        f"/console/points/{code}/revoke", data={"csrf": token, "reason": "刷单", "clawback_from": "2030-01-01"}
    )
    assert future.status_code == 400 and "不能晚于今天" in future.text
    with console.county.session() as db:
        assert db.scalar(select(Point.state).where(Point.code == code)) == "active"
    done = bureau.post(f"/console/points/{code}/revoke", data={"csrf": token, "finding_id": str(finding.id)})
    assert done.status_code == 200 and "同时注销了 1 个账号、停用了 1 台设备" in done.text
    assert "督查发现：标识牌没有悬挂" in done.text
    fixed = township.post(
        f"/console/points/{code}/findings/{finding.id}/fixed",
        data={
            "csrf": csrf_of(township.get(f"/console/points/{code}/inspections").text),
            "fixed_on": "2026-11-27",
            "fix_note": "已悬挂",
        },
    )
    assert fixed.status_code == 200 and "已于 2026年11月27日 整改完成" in fixed.text
    assert "尚未整改" not in bureau.get(f"/console/points/{code}").text
