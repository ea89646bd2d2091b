"""The case page's 设备与校验 card: the recording device and the case's own events checked against its hash chain."""

from __future__ import annotations

import re

from sqlalchemy import event, select, update

from county.models import Case, Device, LedgerEvent
from county.services import case_chain, ingest
from county.web import queries
from tests.county.web.conftest import sign_in


def _page(console, case_id: str, user: str = "bureau_clerk") -> str:
    client = console.client()
    assert sign_in(client, console.users[user].username).status_code == 303
    response = client.get(f"/console/cases/{case_id}")
    assert response.status_code == 200
    return response.text


def _result(html: str) -> str:
    found = re.search(r'id="chain-result">(.*?)</(?:p|div)>\s*</div>', html, re.S)
    assert found, "no chain result on the page"
    return re.sub(r"<[^>]+>", "", found.group(1))


def _alter(console, case_id: str, seq: int, **values) -> None:
    with console.county.session() as db:
        device_id = db.get(Case, case_id).device_id
        db.execute(
            update(LedgerEvent).where(LedgerEvent.device_id == device_id, LedgerEvent.seq == seq).values(**values)
        )
        db.commit()


def test_an_intact_case_agrees_with_its_devices_chain(console):
    html = _page(console, console.a.approval["case_id"], "township_a")
    assert "设备与校验" in html
    assert _result(html) == "本办件的 2 条记录与设备账本的哈希链一致。"  # the case and its materials sent
    assert 'id="chain-device-state">正常' in html and 'id="chain-flags"' not in html
    with console.county.session() as db:
        device = db.get(Device, db.get(Case, console.a.approval["case_id"]).device_id)
    assert f"编号 {device.id[:8]}" in html and console.a.point_code in html
    assert "3602221956" not in html  # the applicant stays masked


def test_a_body_changed_in_the_database_is_named_as_changed(console):
    case_id = console.a.approval["case_id"]
    with console.county.session() as db:
        row = db.scalars(select(LedgerEvent).where(LedgerEvent.case_id == case_id, LedgerEvent.seq == 1)).one()
        body = {**row.body, "receipt_no": row.body["receipt_no"][:-1] + "9"}
    _alter(console, case_id, 1, body=body)
    text = _result(_page(console, case_id))
    assert "本办件有 1 条记录与设备账本的哈希链不一致" in text
    assert "第 1 条记录" in text and "内容被改动" in text and "与前一条记录接不上" not in text
    assert "第 3 条记录" not in text  # the next record still links to the stored hash


def test_a_broken_link_to_the_previous_record_is_named(console):
    case_id = console.a.approval["case_id"]  # its records are seq 1 and 3; seq 2 is the cash withdrawal
    _alter(console, case_id, 2, hash="f" * 64)
    text = _result(_page(console, case_id))
    assert "第 3 条记录" in text and "与前一条记录接不上" in text and "内容被改动" not in text
    assert "第 2 条记录已被改动" in text
    other = _result(_page(console, console.a.payment["case_id"]))  # the withdrawal itself no longer hashes
    assert "第 2 条记录" in other and "内容被改动" in other


def test_a_missing_previous_record_is_a_broken_link(console):
    case_id = console.a.approval["case_id"]
    with console.county.session() as db:
        device_id = db.get(Case, case_id).device_id
        db.query(LedgerEvent).filter(LedgerEvent.device_id == device_id, LedgerEvent.seq == 2).delete()
        db.commit()
    text = _result(_page(console, case_id))
    assert "与前一条记录接不上" in text and "找不到它前面的第 2 条记录" in text


def test_a_tampered_device_shows_its_flag(console):
    case_id = console.a.approval["case_id"]
    with console.county.session() as db:
        device = db.get(Device, db.get(Case, case_id).device_id)
        ingest.flag_tampering(db, device, 3, "same sequence number, different content")
    html = _page(console, case_id, "finance")
    assert "已标记：账本被改动" in html
    flags = re.sub(r"<[^>]+>", "", re.search(r'id="chain-flags">(.*?)</div>', html, re.S).group(1))
    assert "第 3 条记录：同步时发现本机账本与县里已收到的记录不一致" in flags
    assert "different content" not in html  # the technical detail stays in the review item
    assert "哈希链一致" in _result(html)  # the stored records themselves still verify


def test_the_check_reads_only_the_neighbours_not_the_chain(console):
    """One read of the ledger for the records before the case's own: never the device's whole chain."""
    case_id = console.a.approval["case_id"]
    seen: list[str] = []
    with console.county.session() as db:
        case = db.get(Case, case_id)
        rows = queries.case_rows(db, case)

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.bind, "before_cursor_execute", count)
        try:
            result = case_chain.check(db, case, rows)
        finally:
            event.remove(db.bind, "before_cursor_execute", count)
    assert result.ok and result.checked == 2
    ledger_reads = [s for s in seen if "FROM ledger_event" in s]
    assert len(ledger_reads) == 1 and "seq IN" in ledger_reads[0].replace("\n", " ")
