"""Every free-text field the county stores passes the shared text rules: the attack's raw control characters."""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import replace

import pytest
import requests
from sqlalchemy import func, select

from county.errors import CountyError
from county.models import Device, LedgerEvent, Township
from county.services import admin, departments, notices, revocation
from sync.ledger.chain import GENESIS_HASH, seal
from sync.ledger.validation import ValidationError, clean_text
from sync.wire import PushRequest, event_to_wire
from tests.county.conftest import new_point
from tests.factories import make_case_draft

HOSTILE = {
    "NUL and a right-to-left override": "柜台电脑\x00\u202eexe.txt",
    "zero-width spaces": "\u200b\u200b\u200b",
    "a zero-width joiner inside": "瑶\u200d里村",
    "a byte-order mark": "\ufeff瑶里村",
}


def enrol(county, code: str, label: str, app_version: str = "test") -> requests.Response:
    body = {
        "activation_code": code,
        "device_label": label,
        "app_version": app_version,
        "device_time": "2026-11-27T09:30:00.000+08:00",
    }
    return requests.post(f"{county.base_url}/api/v1/enrol", json=body, timeout=10)


@pytest.mark.parametrize("label", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_device_label_with_control_or_invisible_characters_is_refused_and_the_code_still_works(county, label):
    code = new_point(county)["code"]
    refused = enrol(county, code, label)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_text"
    assert "设备名称" in refused.json()["error"]["message"]
    assert enrol(county, code, "瑶里村小卖部的电脑", app_version="1.0\x00").status_code == 422
    assert enrol(county, code, "瑶里村小卖部的电脑").status_code == 201  # nothing was used up by the refusals
    with county.session() as session:
        assert session.scalars(select(Device.label)).all() == ["瑶里村小卖部的电脑"]


def test_a_village_of_zero_width_spaces_is_rejected_with_a_chinese_reason(county):
    code = new_point(county)["code"]
    enrolled = enrol(county, code, "pc").json()
    draft = make_case_draft()
    draft = replace(draft, body={**draft.body, "village": "\u200b\u200b\u200b"})
    event = seal(draft, device_id=enrolled["device_id"], seq=1, prev_hash=GENESIS_HASH)
    request = PushRequest(
        device_id=enrolled["device_id"],
        from_seq=1,
        prev_hash=GENESIS_HASH,
        head_hash=event.hash,
        events=[event_to_wire(event)],
        app_version="test",
    )
    answer = requests.post(
        f"{county.base_url}/api/v1/push",
        data=request.model_dump_json(),
        timeout=10,
        headers={"Authorization": f"Device {enrolled['device_token']}", "Content-Type": "application/json"},
    ).json()
    assert answer["accepted"] == [] and answer["rejected"][0]["code"] == "invalid"
    assert "村（组）里有看不见的字符" in answer["rejected"][0]["message"]
    with county.session() as session:  # kept in its chain (the device holds it), but as rejected: no case
        assert session.scalar(select(LedgerEvent.status)) == "rejected"


def test_names_reasons_notes_and_notices_entered_at_the_county_are_checked(county):
    setup = new_point(county)
    with county.session() as session:
        attempts = [
            lambda: admin.create_township(session, "瑶里\u200b镇", actor="t"),
            lambda: admin.create_point(session, "小卖部\u202e", "瑶里镇", actor="t"),
            lambda: admin.create_account(session, setup["point_code"], "王\x00秀英", actor="t"),
            lambda: revocation.revoke_point(session, setup["point_code"], "刷单\u2066", actor="t"),
            lambda: notices.publish_notice(session, "通知\x07", "内容", point_code=None, actor="t"),
            lambda: notices.publish_notice(session, "通知", "内容\u200b", point_code=None, actor="t"),
        ]
        for attempt in attempts:
            with pytest.raises(CountyError) as info:
                attempt()
            assert info.value.code == "bad_text" and (
                "控制字符" in info.value.message or "看不见" in info.value.message
            )
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Township)) == 1
        township = admin.create_township(session, "  王港乡 ", actor="t")
        assert township.name == "王港乡"  # spaces around are dropped, as on the counter


def test_a_department_note_with_a_direction_override_is_refused(county, tmp_path):
    from desktop.services.activation import activate, sync_client_for
    from desktop.store.sync_port import StoreSyncPort
    from sync.engine import SyncEngine
    from tests.factories import PASSWORD

    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "d", PASSWORD).store
    try:
        (case,) = store.append(make_case_draft())
        assert SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run().ok
        with county.session() as session:
            found = departments.find_case(session, setup["point_code"], case.body["receipt_no"])
            with pytest.raises(CountyError, match="控制字符"):
                departments.set_case_status(session, found, "returned", "缺少\u202e材料", actor="县市监局")
    finally:
        store.close()


def test_every_invisible_format_character_is_refused_by_the_shared_rules():
    refused = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) != "Cf":
            continue
        try:
            clean_text(f"瑶里{char}村", field="village", label="村（组）", max_len=30)
        except ValidationError:
            refused.append(code)
        else:
            pytest.fail(f"U+{code:04X} ({unicodedata.name(char, '?')}) passed")
    assert len(refused) > 150
