"""End to end on loopback: a department's return mailing (部门回寄) reaches the counter, the agent marks it 已到代办点
and 已交群众 to a named family member, and the next push shows it on the console's case page and in the 专区 lookup —
the receiver's name sealed at the county and masked wherever it is shown; a second hand-over refused."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import BytesIO

import pytest
import requests
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from county.api.app import create_app
from county.models import LedgerEvent, ReturnMailing
from county.services import admin, departments, public_lookup, return_mailings
from desktop.services.activation import activate
from desktop.services.case_detail import load_detail
from desktop.services.handover import HandoverForm, arrived, hand_over, pickup_slip_data
from desktop.services.mailings import MailingQueries
from desktop.services.session import Counter
from desktop.services.sync_view import rejected_records
from desktop.settings import Settings
from desktop.store.engine import read
from desktop.store.ledger import get_meta
from desktop.store.schema import event
from sync.ledger.forms import FormErrors, draft_materials_sent
from tests.county.test_sync_e2e import activated, engine_for
from tests.county.web.conftest import make_staff, sign_in
from tests.factories import PASSWORD, make_case_draft

TRACKING = "EA123456785CN"
FAMILY = "王建国"


def _events(store) -> int:
    with read(store.engine) as conn:
        return conn.execute(select(func.count()).select_from(event)).scalar_one()


def _decided_and_mailed_back(county, setup, store, catalogue) -> str:
    """An approval case recorded and sent at the counter, completed and mailed back by 县市监局."""
    item = catalogue.by_code("FL015")
    (recorded,) = store.append(
        make_case_draft(
            catalogue, item_code="FL015", amount=None, materials={m.code: "received" for m in item.guide.materials}
        )
    )
    store.append(draft_materials_sent(recorded.body["case_id"]))
    assert engine_for(store).run().ok
    with county.session() as session:
        case = departments.find_case(session, setup["point_code"], recorded.body["receipt_no"])
        for status in ("accepted", "completed"):
            departments.set_case_status(session, case, status, "", actor="县市监局")
        return_mailings.record(session, case, TRACKING, "营业执照正本 1 份", unit_code="scjg", actor="县市监局")
        session.commit()
    return recorded.body["case_id"]


def test_a_return_mailing_handed_to_a_family_member_shows_at_the_county_masked(county, tmp_path, catalogue):
    store, setup = activated(county, tmp_path)
    counter = Counter(store, catalogue, Settings(tmp_path / "data"))
    make_staff(county, "scjg.clerk", "department", unit="scjg")
    console = TestClient(create_app(county.settings, county.engine), follow_redirects=False)
    try:
        case_id = _decided_and_mailed_back(county, setup, store, catalogue)
        assert engine_for(store).run().ok
        (incoming,) = [row for row in MailingQueries(counter).page(0, 10) if row.incoming]
        mailing_id = incoming.mailing_id
        family = HandoverForm(receiver="family", receiver_name=FAMILY, signed=True)

        before = _events(store)
        with pytest.raises(FormErrors) as early:  # not yet at the point: refused, nothing written
            hand_over(counter, mailing_id, family)
        assert "请先点“已到代办点”" in early.value.errors["mailing"] and _events(store) == before

        arrived(counter, mailing_id)
        (row,) = [r for r in MailingQueries(counter).page(0, 10) if r.incoming]
        assert row.state_label == "已到代办点，待交群众"
        with pytest.raises(FormErrors) as nameless:
            hand_over(counter, mailing_id, HandoverForm(receiver="family", signed=True))
        assert nameless.value.errors == {"receiver_name": "家属代领要填写代领人的姓名。"}
        with pytest.raises(FormErrors) as nobody:
            hand_over(counter, mailing_id, HandoverForm(receiver="", signed=False))
        assert "请选择由谁领取" in nobody.value.errors["receiver"]
        assert _events(store) == before + 1  # only 已到代办点

        hand_over(counter, mailing_id, family)
        (row,) = [r for r in MailingQueries(counter).page(0, 10) if r.incoming]
        assert row.state_label == "已交群众 11-27（家属代领 王**）" and FAMILY not in row.state_label
        with pytest.raises(FormErrors) as twice:
            hand_over(counter, mailing_id, HandoverForm(receiver="self", signed=False))
        assert twice.value.errors["mailing"] == "这件部门回寄已经交给群众了，不能重复交付。"
        assert _events(store) == before + 2

        slip = pickup_slip_data(store, catalogue, mailing_id)
        assert (slip.receiver_label, slip.receiver_name, slip.tracking_no) == ("家属代领", "王**", TRACKING)
        assert slip.sender == "县市监局" and str(slip.handed_date) == "2026-11-27"

        report = engine_for(store).run()
        assert report.ok and report.accepted == 2 and report.rejected == 0
        timeline = [(entry.what, entry.sync) for entry in load_detail(counter, case_id).timeline]
        assert ("部门回寄已到代办点：营业执照正本 1 份", "已同步") in timeline
        assert ("部门回寄已交群众 11-27（家属代领 王**）", "已同步") in timeline
        store.rebuild_projections()  # replayed from the log and the county items, in the order first applied
        (row,) = [r for r in MailingQueries(counter).page(0, 10) if r.incoming]
        assert row.state_label == "已交群众 11-27（家属代领 王**）"

        with county.session() as session:
            held = session.get(ReturnMailing, mailing_id)
            assert held.arrived_at and held.handed_at and held.handed_date == "2026-11-27"
            assert (held.receiver, held.signed) == ("family", True)
            sealed = session.scalars(select(LedgerEvent).where(LedgerEvent.event_id == held.handed_event_id)).one()
            assert sealed.status == "accepted" and sealed.pii_sealed and FAMILY not in sealed.pii_sealed
            assert sealed.pii is None or FAMILY not in json.dumps(sealed.pii, ensure_ascii=False)
            status = public_lookup.case_status(session, store_receipt(store, case_id))
        assert status.state_label == "已办结，已交群众"
        assert [s.label for s in status.steps][-3:] == ["部门已寄回", "已到代办点", "已交群众"]
        assert "王" not in json.dumps([s.__dict__ for s in status.steps], ensure_ascii=False)

        assert sign_in(console, "scjg.clerk").status_code == 303
        page = console.get(f"/console/cases/{case_id}").text
        assert "已交群众 2026-11-27（家属代领 王**，领取单已签字）" in page and FAMILY not in page
        assert "部门回寄已到代办点" in page and "部门回寄已交群众" in page  # in the case's history too
        assert store.purge_personal_data(date(2027, 6, 1)) >= 2  # retention: the name goes, the hand-over stays
        (row,) = [r for r in MailingQueries(counter).page(0, 10) if r.incoming]
        assert row.state_label == "已交群众 11-27（家属代领）"
        exported = console.get("/console/cases/export", params={"receipt": store_receipt(store, case_id)})
        assert exported.status_code == 200
        (header, line) = list(load_workbook(BytesIO(exported.content)).active.values)
        assert dict(zip(header, line))["部门回寄"] == "已交群众 2026-11-27"
    finally:
        store.close()


def store_receipt(store, case_id: str) -> str:
    from desktop.store.schema import case

    with read(store.engine) as conn:
        return conn.execute(select(case.c.receipt_no).where(case.c.case_id == case_id)).scalar_one()


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_county_that_does_not_know_an_event_kind_refuses_the_batch_and_stores_nothing(county, tmp_path):
    """How a county older than mailing.handed_over answers it: the whole push is refused (422) in Chinese and
    nothing is stored, so the counter keeps the events queued (sync.engine marks them pending) until it is updated."""
    store, _setup = activated(county, tmp_path)
    try:
        identity = store.identity
        with read(store.engine) as conn:
            token = get_meta(conn)["device_token"]
        body = {
            "device_id": identity.device_id,
            "from_seq": 1,
            "prev_hash": "0" * 64,
            "head_hash": "1" * 64,
            "app_version": "0.9.0",
            "events": [
                {
                    "id": "0" * 31 + "1",
                    "type": "mailing.collected_by_drone",  # a kind from a newer counter
                    "t": "2026-11-27T09:30:12.345+08:00",
                    "body": {"mailing_id": "0" * 31 + "2"},
                }
            ],
        }
        answer = requests.post(
            f"{county.base_url}/api/v1/push",
            data=json.dumps(body),
            headers={"Authorization": f"Device {token}", "Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 422
        assert answer.json()["error"] == {"code": "bad_request", "message": "数据内容不符合要求（events.0），已拒收。"}
        with county.session() as session:
            assert session.scalar(select(func.count()).select_from(LedgerEvent)) == 0
    finally:
        store.close()


def test_a_second_counter_of_the_point_cannot_hand_the_same_mailing_over_again(county, tmp_path, catalogue):
    """Two PCs at one point both list the return mailing; the one that reports it second is refused by the county
    (lifecycle), in Chinese, and the county keeps the first hand-over."""
    first, setup = activated(county, tmp_path)
    with county.session() as session:
        code = admin.issue_activation_code(session, setup["account_id"], ttl=timedelta(hours=1), actor="test").code
        session.commit()
    second = activate(county.base_url, code, tmp_path / "second", PASSWORD).store
    try:
        one = Counter(first, catalogue, Settings(tmp_path / "data"))
        two = Counter(second, catalogue, Settings(tmp_path / "second"))
        _decided_and_mailed_back(county, setup, first, catalogue)
        assert engine_for(first).run().ok and engine_for(second).run().ok
        (mailing_id,) = [r.mailing_id for r in MailingQueries(two).page(0, 10) if r.incoming]
        for counter, form in (
            (one, HandoverForm(receiver="family", receiver_name=FAMILY, signed=True)),
            (two, HandoverForm(receiver="self", signed=False)),  # this PC never heard of the first hand-over
        ):
            arrived(counter, mailing_id)
            hand_over(counter, mailing_id, form)
        assert engine_for(first).run().accepted == 2

        report = engine_for(second).run()
        assert report.accepted == 0 and report.rejected == 2
        with county.session() as session:
            reasons = session.scalars(
                select(LedgerEvent.reject_message).where(
                    LedgerEvent.device_id == second.identity.device_id, LedgerEvent.status == "rejected"
                )
            ).all()
            held = session.get(ReturnMailing, mailing_id)
        assert reasons == ["这件部门回寄已经交给群众了。", "这件部门回寄已经交给群众了，不能重复交付。"]
        assert (held.receiver, held.signed) == ("family", True)  # the first hand-over stands
        shown = [(r.what, r.subject, r.reason) for r in rejected_records(two)]  # the 同步 page's list
        assert shown == [
            ("部门回寄到点", f"营业执照正本 1 份（运单号 {TRACKING}）", "这件部门回寄已经交给群众了。"),
            ("部门回寄交群众", f"营业执照正本 1 份（运单号 {TRACKING}）", "这件部门回寄已经交给群众了，不能重复交付。"),
        ]
        assert all("不要再交一次" in r.advice for r in rejected_records(two))
    finally:
        first.close()
        second.close()
