"""One township never sees another's points, cases or counts — in pages, htmx fragments and case pages; a
department sees only the cases of its unit's items. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

from tests.county.web.conftest import sign_in


def _count(html: str, element_id: str) -> int:
    return int(re.search(rf'id="{element_id}">(\d+)<', html).group(1))


def test_a_township_sees_only_its_own(console):
    a, b = console.a, console.b
    client = console.client()
    sign_in(client, "township.a")
    points = client.get("/console/points").text
    assert f">{a.point_code}</a>" in points and f">{b.point_code}</a>" not in points
    assert client.get(f"/console/points/{b.point_code}").status_code == 404
    assert client.get(f"/console/points/{a.point_code}").status_code == 200
    for fragment in (False, True):
        headers = {"HX-Request": "true"} if fragment else {}
        found = client.get("/console/cases", headers=headers).text
        assert a.approval["receipt_no"] in found and a.payment["receipt_no"] in found
        assert b.approval["receipt_no"] not in found and b.payment["receipt_no"] not in found
        assert ("<html" in found) is not fragment
        by_receipt = client.get("/console/cases", params={"receipt": b.approval["receipt_no"]}, headers=headers)
        assert "共 0 件" in by_receipt.text
        by_point = client.get("/console/cases", params={"point": b.point_code}, headers=headers)
        assert "共 0 件" in by_point.text
    assert client.get(f"/console/cases/{b.approval['case_id']}").status_code == 404
    desk = client.get("/console/").text
    assert _count(desk, "count-points") == 1 and _count(desk, "count-open") == 1  # its own approval case only
    county_wide = console.client()
    sign_in(county_wide, "bureau.clerk")
    desk = county_wide.get("/console/").text
    assert _count(desk, "count-points") == 2 and _count(desk, "count-open") == 2


def test_a_department_sees_only_its_items_cases(console):
    client = console.client()
    sign_in(client, "department")  # 县市场监管局: 个体工商户 registration, not cash withdrawals
    found = client.get("/console/cases").text
    for site in (console.a, console.b):
        assert site.approval["receipt_no"] in found and site.payment["receipt_no"] not in found
    assert client.get(f"/console/cases/{console.a.payment['case_id']}").status_code == 404
    queue = client.get("/console/queue").text
    assert console.a.approval["receipt_no"] in queue and console.b.approval["receipt_no"] in queue
    assert client.get("/console/points").status_code == 403
