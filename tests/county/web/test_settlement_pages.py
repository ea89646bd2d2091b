"""季度结算 pages: the bureau runs, publishes and corrects; a township sees only its own points' lines and files
and records hand-outs; finance reads everything and is refused writes. On SQLite and PostgreSQL."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from county.models import AuditLog, SettlementLine
from tests.county.web.conftest import csrf_of, sign_in
from tests.county.web.settlement_seed import published_q3


def _client(console, username: str):
    client = console.client()
    assert sign_in(client, username).status_code == 303
    return client, csrf_of(client.get("/console/").text)


def test_township_a_never_sees_township_bs_settlement(console):
    ids = published_q3(console)
    sid, town_a, town_b = ids["settlement_id"], ids["township_a"], ids["township_b"]
    a, b = console.a.point_code, console.b.point_code
    client, token = _client(console, "township.a")
    listing = client.get("/console/settlements").text
    assert f"/console/settlements/{sid}" in listing
    page = client.get(f"/console/settlements/{sid}").text
    assert f"{a} 瑶里村小卖部" in page and b not in page and "经公桥" not in page
    assert "30.00" in page  # 60 points at 0.5
    book = load_workbook(io.BytesIO(client.get(f"/console/settlements/{sid}/workbook.xlsx").content))
    assert [r[0] for r in book["结算明细"].iter_rows(min_row=2, values_only=True)] == [a]
    mine = client.get(f"/console/settlements/{sid}/townships/{town_a}/list.pdf")
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
    for path in ("list.pdf", "slips.pdf", f"slips.pdf?point={b}"):
        assert client.get(f"/console/settlements/{sid}/townships/{town_b}/{path}").status_code == 404
    assert client.get(f"/console/settlements/{sid}/townships/{town_a}/slips.pdf?point={b}").status_code == 404
    with console.county.session() as db:
        theirs = db.scalar(select(SettlementLine.id).where(SettlementLine.point_code == b))
    refused = client.post(
        f"/console/settlements/{sid}/handouts",
        data={"csrf": token, "line_id": str(theirs), "handed_on": "2026-11-27", "receiver": "李四"},
    )
    assert refused.status_code == 404 and b not in refused.text
    other, _ = _client(console, "township.b")
    assert a not in other.get(f"/console/settlements/{sid}").text


def test_the_bureau_runs_publishes_and_corrects_and_the_township_hands_out(console):
    ids = published_q3(console, publish=False)
    sid = ids["settlement_id"]
    town, token_t = _client(console, "township.a")
    assert town.get(f"/console/settlements/{sid}").status_code == 404  # a draft is the bureau's
    assert f"/console/settlements/{sid}" not in town.get("/console/settlements").text
    bureau, token = _client(console, "bureau.clerk")
    draft = bureau.get(f"/console/settlements/{sid}").text
    assert "（草稿）" in draft and "发布第 1 版" in draft
    stale = bureau.post(f"/console/settlements/{sid}/publish", data={"csrf": token, "content_hash": "0" * 64})
    assert stale.status_code == 409 and "重新计算过" in stale.text
    with console.county.session() as db:
        digest = db.scalar(select(AuditLog.detail).where(AuditLog.action == "settlement.run"))["hash"]
    assert digest in draft
    done = bureau.post(f"/console/settlements/{sid}/publish", data={"csrf": token, "content_hash": digest})
    assert done.status_code == 303
    again = bureau.post(f"/console/settlements/{sid}/publish", data={"csrf": token, "content_hash": digest})
    assert again.status_code == 409 and "不能再次发布" in again.text
    finance, token_f = _client(console, "finance")
    assert finance.post("/console/settlements", data={"csrf": token_f, "quarter": "2026-Q3"}).status_code == 403
    assert console.b.point_code in finance.get(f"/console/settlements/{sid}").text
    page = town.get(f"/console/settlements/{sid}").text
    line_id = page.split('name="line_id" value="')[1].split('"')[0]
    recorded = town.post(
        f"/console/settlements/{sid}/handouts",
        data={"csrf": token_t, "line_id": line_id, "handed_on": "2026-11-27", "receiver": "张三"},
    )
    assert recorded.status_code == 200 and "已登记发放" in recorded.text and "张三 已领取" in recorded.text
    refused = bureau.post("/console/settlements", data={"csrf": token, "quarter": "2026-Q3", "value": "0.6"})
    assert refused.status_code == 409 and "更正原因" in refused.text
    corrected = bureau.post(
        "/console/settlements", data={"csrf": token, "quarter": "2026-Q3", "value": "0.6", "reason": "县局重新核定单价"}
    )
    assert corrected.status_code == 303
    version2 = bureau.get(corrected.headers["location"]).text
    assert (
        "与第 1 版的差异" in version2 and "每积分折合金额" in version2 and "30.00" in version2 and "36.00" in version2
    )
