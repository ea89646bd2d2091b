"""Case search by date range, point, item, status and mode, and its Excel export: scoped (township A never gets
township B's cases), masked for roles without need, and audited. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from county.models import AuditLog
from tests.county.web.conftest import ID_NUMBER, sign_in


def _signed(console, name):
    client = console.client()
    assert sign_in(client, name).status_code == 303
    return client


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "回执编号"
    return rows[1:]


def test_search_by_dates_mode_item_and_status(console):
    client = _signed(console, "bureau.clerk")
    a = console.a

    def total(**params) -> str:
        return client.get("/console/cases", params=params, headers={"HX-Request": "true"}).text

    assert "共 4 件" in total(since="2026-11-27", until="2026-11-27")
    assert "共 0 件" in total(since="2026-11-28")
    assert "共 0 件" in total(until="2026-11-26")
    assert "共 4 件" in total(mode="point") and "共 0 件" in total(mode="home")
    assert "共 2 件" in total(item="fl015") and "共 2 件" in total(state="materials_sent")
    assert "共 1 件" in total(point=a.point_code, item="FL015", state="materials_sent", since="2026-11-01")
    assert client.get("/console/cases", params={"since": "27/11/2026"}).status_code == 400
    assert client.get("/console/cases", params={"mode": "drone"}).status_code == 400
    assert "since=2026-11-01" in total(since="2026-11-01")  # the export link carries the search


def test_a_townships_export_holds_only_its_cases_masked(console):
    a, b = console.a, console.b
    client = _signed(console, "township.a")
    rows = _sheet(client.get("/console/cases/export"))
    receipts = {row[0] for row in rows}
    assert receipts == {a.approval["receipt_no"], a.payment["receipt_no"]}
    assert not receipts & {b.approval["receipt_no"], b.payment["receipt_no"]}
    assert _sheet(client.get("/console/cases/export", params={"point": b.point_code})) == []
    assert _sheet(client.get("/console/cases/export", params={"receipt": b.approval["receipt_no"]})) == []
    (approval,) = [row for row in rows if row[0] == a.approval["receipt_no"]]
    assert approval[1] == "瑶里镇" and approval[8] == "材料已送交" and approval[10] == "签收材料后 3 个工作日"
    assert approval[12] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert "*" in approval[11] and ID_NUMBER not in str(approval)
    with console.county.session() as session:
        logged = session.scalars(select(AuditLog).where(AuditLog.action == "cases.export")).all()
    assert [(e.actor, e.role, e.detail["rows"], e.detail["masked"]) for e in logged] == [
        ("staff:township.a", "township", 2, True),
        ("staff:township.a", "township", 0, True),
        ("staff:township.a", "township", 0, True),
    ]


def test_finance_gets_masked_and_the_department_its_own_cases_in_full(console):
    finance = _sheet(_signed(console, "finance").get("/console/cases/export"))
    assert len(finance) == 4 and ID_NUMBER not in str(finance)
    department = _sheet(_signed(console, "department").get("/console/cases/export"))
    assert {row[0] for row in department} == {console.a.approval["receipt_no"], console.b.approval["receipt_no"]}
    assert {row[12] for row in department} == {ID_NUMBER}


def test_the_list_pages_by_its_links_and_says_more_than_past_its_count(console, monkeypatch):
    """Four cases in the bureau's list, two a page, counted to three: "超过 3 件", and 下一页 / 上一页 links
    that carry the search and walk every case once each way."""
    from county.web import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    client = _signed(console, "bureau.clerk")
    html = client.get("/console/cases", params={"mode": "point"}).text
    assert "超过 3 件，从最新的列起，可加条件缩小范围" in html and "每页 2 件" in html
    assert 'id="page-newer"' not in html  # the first page has none newer

    def receipts(text):
        return re.findall(r'<a href="/console/cases/[0-9a-f]+">([0-9-]+)</a>', text)

    def link(text, name):
        found = re.search(rf'<a href="(/console/cases\?[^"]+)" id="{name}"', text)
        return found and found.group(1).replace("&amp;", "&")

    first = receipts(html)
    older = link(html, "page-older")
    assert "mode=point" in older and "after=" in older
    second_html = client.get(older).text
    second = receipts(second_html)
    assert len(first) == len(second) == 2 and not set(first) & set(second)
    assert link(second_html, "page-older") is None  # four cases: two pages
    assert sorted(first + second, reverse=True) == first + second  # newest first throughout
    back = client.get(link(second_html, "page-newer")).text
    assert receipts(back) == first and link(back, "page-newer") is None
    assert "共 2 件" in client.get("/console/cases", params={"item": "FL015"}).text  # below the cap: exact
