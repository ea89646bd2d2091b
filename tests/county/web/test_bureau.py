"""The bureau's pages: the working-day table, items per township, guides, the audit log page and its export,
and the TOTP throttle shared by every instance."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pyotp
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from county.api.app import create_app
from county.models import AuditLog, Case, CountyEvent, StaffUser, Township
from county.services import catalogues, enrolment, guides
from county.services.crediting import county_workdays, month_closes
from sync.clock import china_today
from sync.ledger.catalogue import load_catalogue
from sync.ledger.receipts import format_receipt_no
from sync.ledger.workdays import add_working_days
from sync.wire import EnrolRequest
from tests.county.conftest import new_point
from tests.county.test_ingest_rules import push, request_for, sealed_chain
from tests.county.web.conftest import PASSWORD, TOTP_SECRET, csrf_of, sign_in
from tests.factories import make_case_draft


def signed(console, name: str):
    client = console.client()
    assert sign_in(client, console.users[name].username).status_code == 303
    return client, csrf_of(client.get("/console/").text)


def last_audit(console, action: str) -> AuditLog:
    with console.county.session() as db:
        return db.scalar(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id.desc()))


@pytest.mark.parametrize("county_engine", ["sqlite", "postgresql"], indirect=True)
def test_entering_2027_changes_the_fifth_working_day_and_deadlines_at_once(console):
    with console.county.session() as db:
        assert month_closes("2026-12", county_workdays(db)) == date(2027, 1, 7)  # weekends only: 2027 not covered
        assert not add_working_days(date(2027, 1, 29), 5, county_workdays(db)).confirmed
    client, token = signed(console, "bureau_admin")
    form = {
        "csrf": token,
        "year": "2027",
        "holidays": "2027-01-01\n2027-02-10~2027-02-17",  # 除夕 to 初八 (the weekend days in it are dropped)
        "extra": "2027-02-07",  # a Sunday worked
    }
    response = client.post("/console/workdays", data=form)
    assert response.status_code == 200 and "2027 年工作日表已保存" in response.text
    with console.county.session() as db:
        table = county_workdays(db)
        assert month_closes("2026-12", table) == date(2027, 1, 8)  # 1 January is a holiday now
        deadline = add_working_days(date(2027, 2, 5), 5, table)
    assert deadline.confirmed and deadline.day == date(2027, 2, 19)  # 7th worked, 10th-17th off, 18th, 19th
    row = last_audit(console, "workdays.edit")
    assert row.role == "bureau_admin" and row.ip and row.target == "year:2027"
    assert row.detail["before"] == {"covered": False, "holidays": [], "workdays": []}
    assert row.detail["after"]["holidays"][0] == "2027-01-01" and len(row.detail["after"]["holidays"]) == 7
    assert row.detail["after"]["workdays"] == ["2027-02-07"]
    assert "放假 7 天" in client.get("/console/workdays?year=2027").text


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "holidays, extra, words",
    [
        ("2026-12-31", "", "不在 2027 年内"),
        ("2027-10-01~2027-10-07", "2027-10-08", "调休上班日应是周六或周日"),
        ("2027-10-01~2027-10-07", "2027-10-02", "不能既是放假日又是调休上班日"),
        ("2027-10-01~2027-10-07", "2027-10-09\n2027-10-02x", "不是日期"),
        ("2027-10-04", "2027-10-09", None),
    ],
)
def test_a_wrong_working_day_table_is_refused_and_changes_nothing(console, holidays, extra, words):
    client, token = signed(console, "bureau_clerk")
    response = client.post(
        "/console/workdays", data={"csrf": token, "year": "2027", "holidays": holidays, "extra": extra}
    )
    if words is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400 and words in response.text
    with console.county.session() as db:
        assert not county_workdays(db).covers(2027)


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_second_edit_of_a_year_replaces_it_and_keeps_the_other_years(console):
    client, token = signed(console, "bureau_clerk")
    data = {"csrf": token, "year": "2027", "holidays": "2027-10-01", "extra": "2027-10-09"}
    assert client.post("/console/workdays", data=data).status_code == 200
    data["holidays"] = "2027-10-01~2027-10-07"
    assert client.post("/console/workdays", data=data).status_code == 200
    with console.county.session() as db:
        table = county_workdays(db)
    assert sorted(d for d in table.holidays if d.year == 2027) == [date(2027, 10, n) for n in (1, 4, 5, 6, 7)]
    assert date(2026, 10, 1) in table.holidays and table.covers(2026)  # the shipped years stay
    row = last_audit(console, "workdays.edit")
    assert row.detail["before"]["holidays"] == ["2027-10-01"] and row.detail["before"]["covered"] is True


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_finance_reads_the_bureau_pages_and_is_refused_every_write(console):
    client, token = signed(console, "finance")
    with console.county.session() as db:
        town_id = db.scalar(select(Township.id).where(Township.name == "瑶里镇"))
    for path in ("/console/workdays?year=2027", f"/console/townships/{town_id}/items", "/console/guides/FL015"):
        response = client.get(path)
        assert response.status_code == 200 and "保存" not in response.text, path
    for path, data in (
        ("/console/workdays", {"year": "2027", "holidays": "2027-01-01"}),
        (f"/console/townships/{town_id}/items", {"item": "FL001"}),
        ("/console/guides/FL015", {"text": "说明", "materials": "身份证"}),
    ):
        response = client.post(path, data={"csrf": token, **data})
        assert response.status_code == 403 and "没有权限" in response.text, path


def _enrolled_point(console, township: str) -> tuple[str, str, int, str]:
    made = new_point(console.county, township=township, name="瑶里村第二代办点")
    with console.county.session() as db:
        result = enrolment.enrol(
            db,
            EnrolRequest(activation_code=made["code"], app_version="test", device_time="2026-11-27T09:30:00.000+08:00"),
            client="127.0.0.1",
            settings=console.county.settings,
        )
        db.commit()
    return result.device_token, result.device_token.split(".")[0], result.device_no, made["point_code"]


@pytest.mark.parametrize("county_engine", ["sqlite", "postgresql"], indirect=True)
def test_an_item_withdrawn_from_a_township_is_flagged_when_a_case_arrives(console):
    client, token = signed(console, "bureau_admin")
    with console.county.session() as db:
        town_id = db.scalar(select(Township.id).where(Township.name == "瑶里镇"))
    keep = [item.code for item in load_catalogue().items if item.code != "FL001"]
    response = client.post(f"/console/townships/{town_id}/items", data={"csrf": token, "item": keep})
    assert response.status_code == 200 and "已发布事项清单 2024.3 版" in response.text, response.text[-800:]
    with console.county.session() as db:
        newest = catalogues.catalogue(db)
    assert newest.version == "2024.3"
    assert not newest.by_code("FL001").offered_in("瑶里镇") and newest.by_code("FL001").offered_in("经公桥镇")
    assert len(newest.for_township("瑶里镇").items) == 19
    row = last_audit(console, "township.items")
    assert "FL001" in row.detail["before"] and "FL001" not in row.detail["after"]
    # a counter still on the old catalogue records FL001 there; one on the new records FL002
    device_token, device_id, device_no, point_code = _enrolled_point(console, "瑶里镇")
    drafts = []
    for serial, (catalogue, code) in enumerate(((newest, "FL001"), (newest, "FL002")), start=1):
        draft = make_case_draft(catalogue, item_code=code, amount="50")
        receipt = format_receipt_no(point_code, china_today(), device_no, serial)
        drafts.append(replace(draft, body={**draft.body, "receipt_no": receipt}))
    result = push(console.county, device_token, request_for(device_id, sealed_chain(device_id, drafts)))
    assert not result.rejected, result.rejected  # kept: the villager was served
    with console.county.session() as db:
        flags = dict(db.execute(select(Case.item_code, Case.not_offered).where(Case.device_id == device_id)).all())
    assert flags == {"FL001": True, "FL002": False}
    page = client.get(f"/console/points/{point_code}").text
    assert "本乡镇未开办事项的办件" in page and drafts[0].body["receipt_no"] in page
    assert drafts[1].body["receipt_no"] not in page.split("本乡镇未开办事项的办件")[1]
    assert "开办的事项（19 项）" in page
    case_id = drafts[0].body["case_id"]
    assert "本乡镇未开办这个事项" in client.get(f"/console/cases/{case_id}").text


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_department_writes_and_approves_its_guide_and_a_new_edit_is_a_sample_again(console):
    with console.county.session() as db:
        assert guides.guide_for(db, "FL015").sample and not guides.guide_for(db, "FL015").written
    client, token = signed(console, "department")  # 县市场监管局 handles FL015
    response = client.post(
        "/console/guides/FL015", data={"csrf": token, "text": "到窗口提交申请。", "materials": "身份证\n经营场所证明"}
    )
    assert response.status_code == 200 and "示例" in response.text
    assert client.post("/console/guides/FL012", data={"csrf": token, "text": "x", "materials": "y"}).status_code == 403
    assert client.post("/console/guides/FL015/approve", data={"csrf": token}).status_code == 303
    with console.county.session() as db:
        guide = guides.guide_for(db, "FL015")
    assert guide.approved and guide.approved_by == "staff:department" and guide.approved_at is not None
    assert guide.materials == ("身份证", "经营场所证明") and guide.text == "到窗口提交申请。"
    bureau, btoken = signed(console, "bureau_clerk")
    data = {"csrf": btoken, "text": "到窗口提交申请，当场受理。", "materials": "身份证"}
    assert bureau.post("/console/guides/FL015", data=data).status_code == 200
    assert bureau.post("/console/guides/FL015/approve", data={"csrf": btoken}).status_code == 403  # only its unit
    with console.county.session() as db:
        assert guides.guide_for(db, "FL015").sample
    row = last_audit(console, "guide.edit")
    assert row.detail["before"]["approved"] is True and row.detail["after"]["materials"] == ["身份证"]


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_flowchart_approved_in_the_console_goes_to_every_counter_and_an_edit_withdraws_it(console):
    client, token = signed(console, "department")
    data = {"csrf": token, "text": "到窗口提交申请。", "materials": "身份证", "steps": "申请人 | 提交申请 | 当场"}
    assert client.post("/console/guides/FL015", data=data).status_code == 200
    assert client.post("/console/guides/FL015/approve", data={"csrf": token}).status_code == 303
    bureau, btoken = signed(console, "bureau_clerk")
    data = {
        "csrf": btoken,
        "text": "到窗口提交申请，当场受理。",
        "materials": "身份证",
        "steps": "申请人 | 提交 | 当场",
    }
    assert bureau.post("/console/guides/FL015", data=data).status_code == 200
    with console.county.session() as db:
        sent = db.execute(select(CountyEvent.point_id, CountyEvent.payload).where(CountyEvent.kind == "flowchart"))
        sent = sorted(sent.all(), key=lambda row: row[1]["withdrawn"])
    assert sent == [
        (
            None,
            {
                "item_code": "FL015",
                "steps": [{"who": "申请人", "what": "提交申请", "time": "当场"}],
                "approved_on": china_today().isoformat(),
                "withdrawn": False,
            },
        ),
        (None, {"item_code": "FL015", "steps": [], "approved_on": None, "withdrawn": True}),
    ]


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_audit_page_filters_verifies_and_exports_and_the_export_is_audited(console):
    client, token = signed(console, "bureau_admin")
    client.post("/console/workdays", data={"csrf": token, "year": "2027", "holidays": "2027-01-01"})
    fin, _ = signed(console, "finance")
    page = fin.get("/console/audit", params={"actor": "bureau.admin", "action": "workdays."}).text
    assert "审计日志完整" in page and "workdays.edit" in page and "staff.sign_in" not in page
    assert "没有符合条件的记录" in fin.get("/console/audit", params={"since": "2026-11-28"}).text
    assert "workdays.edit" in fin.get("/console/audit", params={"since": "2026-11-27", "until": "2026-11-27"}).text
    assert fin.get("/console/audit", params={"since": "2026-11-28", "until": "2026-11-01"}).status_code == 400
    response = fin.get("/console/audit/export", params={"action": "workdays."})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) == 2 and rows[1][5] == "workdays.edit" and rows[1][3] == "县局管理员"
    export = last_audit(console, "audit.export")
    assert export.actor == "staff:finance" and export.role == "finance" and export.detail["rows"] == 1
    with console.county.engine.begin() as conn:
        conn.execute(update(AuditLog).where(AuditLog.action == "workdays.edit").values(target="year:2028"))
    assert "审计日志被改动过" in fin.get("/console/audit").text


@pytest.mark.parametrize("county_engine", ["sqlite", "postgresql"], indirect=True)
def test_wrong_totp_codes_lock_the_admin_across_instances(console):
    second = create_app(console.county.settings, console.county.engine)  # another instance, same database
    wrong = f"{(int(pyotp.TOTP(TOTP_SECRET).now()) + 1) % 1_000_000:06d}"
    for attempt in range(5):
        app = console.app if attempt % 2 == 0 else second
        from fastapi.testclient import TestClient

        client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        form = client.get("/console/login")
        response = client.post(
            "/console/login", data={"username": "bureau.admin", "password": PASSWORD, "csrf": csrf_of(form.text)}
        )
        assert response.headers["location"] == "/console/totp", attempt
        totp = client.get("/console/totp")
        response = client.post("/console/totp", data={"code": wrong, "csrf": csrf_of(totp.text)})
        assert response.status_code == (429 if attempt == 4 else 400), attempt
    assert "动态码连续输错 5 次" in response.text
    assert client.get("/console/").headers["location"] == "/console/login"  # the session ended
    assert sign_in(client, "bureau.admin").status_code == 429  # the right password and code: still locked
    with console.county.session() as db:
        assert db.scalar(select(StaffUser.locked_until).where(StaffUser.username == "bureau.admin")) is not None
    assert last_audit(console, "staff.locked").detail["reason"] == "totp"
