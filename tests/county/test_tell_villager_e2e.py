"""需通知群众: a county 退回 or 办结 pulled over loopback lists the case until the agent marks it told."""

from __future__ import annotations

import json

import pytest

from county.services import departments
from desktop.services.case_detail import AUDIT_FILE
from desktop.services.notify import mark_told, phone_to_call, to_tell
from desktop.services.session import Counter
from desktop.settings import Settings
from sync.ledger.forms import draft_materials_sent
from tests.county.test_sync_e2e import activated, engine_for
from tests.factories import make_case_draft

pytestmark = pytest.mark.date_sensitive


def _set(county, setup, receipt_no: str, *statuses: tuple[str, str]) -> None:
    with county.session() as session:
        case = departments.find_case(session, setup["point_code"], receipt_no)
        for status, note in statuses:
            departments.set_case_status(session, case, status, note, actor="县市监局")
        session.commit()


def test_a_return_and_a_completion_from_the_county_are_listed_until_marked_told(county, tmp_path, catalogue):
    store, setup = activated(county, tmp_path)
    counter = Counter(store, catalogue, Settings(tmp_path / "data"))
    try:
        item = catalogue.by_code("FL015")
        materials = {m.code: "received" for m in item.guide.materials}
        cases = []
        for mobile in ("13979812345", ""):
            (recorded,) = store.append(
                make_case_draft(catalogue, item_code="FL015", amount=None, materials=materials, mobile=mobile)
            )
            store.append(draft_materials_sent(recorded.body["case_id"]))
            cases.append(recorded)
        assert engine_for(store).run().ok
        assert to_tell(counter) == []  # nothing from the county yet

        _set(county, setup, cases[0].body["receipt_no"], ("returned", "经营场所使用证明不清晰，请重新复印"))
        _set(county, setup, cases[1].body["receipt_no"], ("accepted", ""), ("completed", "营业执照已寄出"))
        assert engine_for(store).run().ok

        listed = to_tell(counter)
        assert [(e.receipt_no, e.what, e.reason) for e in listed] == [
            (cases[0].body["receipt_no"], "部门退回", "经营场所使用证明不清晰，请重新复印"),
            (cases[1].body["receipt_no"], "部门办结", "营业执照已寄出"),
        ]
        assert listed[0].phone == "139****2345" and listed[1].phone.startswith("没有留电话")

        assert phone_to_call(counter, listed[0].case_id) == "13979812345"
        audit = (store.layout.logs / AUDIT_FILE).read_text(encoding="utf-8")
        assert "13979812345" not in audit and json.loads(audit.splitlines()[-1])["why"] == "通知群众部门办理结果"

        mark_told(counter, listed[0])
        assert [e.receipt_no for e in to_tell(counter)] == [cases[1].body["receipt_no"]]
        store.rebuild_projections()  # the mark is not a projection: a rebuild keeps it
        mark_told(counter, to_tell(counter)[0])
        assert to_tell(counter) == []
    finally:
        store.close()
