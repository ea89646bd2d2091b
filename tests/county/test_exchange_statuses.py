"""Statuses from a department's system through the data exchange: applied once per the client's key, refused
outside its scope or against the case's lifecycle, and pulled by the counter at its next sync."""

from __future__ import annotations

import requests
from sqlalchemy import func, select

from county.models import ApiCall, CountyEvent, ExchangeStatus
from desktop.store.engine import read
from desktop.store.schema import case as case_view
from sync.ledger.forms import draft_materials_sent
from tests.county.test_exchange import register
from tests.county.test_sync_e2e import activated, engine_for
from tests.factories import make_case_draft


def post(county, token, statuses):
    return requests.post(
        f"{county.base_url}/api/v1/exchange/statuses",
        json={"statuses": statuses},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_a_status_posted_twice_is_applied_once_and_reaches_the_counter(county, tmp_path, catalogue):
    store, _setup = activated(county, tmp_path)
    try:
        item = catalogue.by_code("FL015")  # 个体工商户设立登记, handled by 市场监管 (scjg)
        (licence,) = store.append(
            make_case_draft(
                catalogue, item_code="FL015", amount=None, materials={m.code: "received" for m in item.guide.materials}
            )
        )
        store.append(draft_materials_sent(licence.body["case_id"]))
        (power,) = store.append(make_case_draft(catalogue, item_code="FL003", amount="86.5"))
        assert engine_for(store).run().ok
        _id, token = register(county, "县市场监管局登记系统", "units", ["scjg"], write_statuses=True)
        case_id = licence.body["case_id"]
        first = [
            {"client_ref": "SCJG-2026-0001", "case_id": case_id, "status": "accepted"},
            {"client_ref": "SCJG-2026-0002", "case_id": power.body["case_id"], "status": "accepted"},  # not its item
            {"client_ref": "SCJG-2026-0003", "case_id": case_id, "status": "returned"},  # no reason given
        ]
        answer = post(county, token, first)
        assert answer.status_code == 200, answer.text
        results = {r["client_ref"]: r for r in answer.json()["results"]}
        assert results["SCJG-2026-0001"]["outcome"] == "accepted" and results["SCJG-2026-0001"]["state"] == "accepted"
        assert (results["SCJG-2026-0002"]["outcome"], results["SCJG-2026-0002"]["code"]) == (
            "rejected",
            "case_not_found",
        )
        assert (results["SCJG-2026-0003"]["outcome"], results["SCJG-2026-0003"]["code"]) == (
            "rejected",
            "note_required",
        )
        assert "原因" in results["SCJG-2026-0003"]["message"]

        again = post(county, token, first[:1])  # the same update sent again (a retry after a lost answer)
        assert again.json()["results"][0]["outcome"] == "duplicate"
        with county.session() as session:
            statuses = session.scalar(
                select(func.count()).select_from(CountyEvent).where(CountyEvent.kind == "case_status")
            )
            assert statuses == 1 and session.scalar(select(func.count()).select_from(ExchangeStatus)) == 1
            assert [c.count for c in session.scalars(select(ApiCall).order_by(ApiCall.id))] == [3, 1]

        report = engine_for(store).run()
        assert report.ok and report.pulled >= 1
        with read(store.engine) as conn:
            state = conn.execute(select(case_view.c.state).where(case_view.c.case_id == case_id)).scalar()
        assert state == "accepted"

        done = post(
            county,
            token,
            [{"client_ref": "SCJG-2026-0004", "case_id": case_id, "status": "completed", "note": "营业执照已寄出"}],
        )
        assert done.json()["results"][0]["outcome"] == "accepted"
        feed = requests.get(
            f"{county.base_url}/api/v1/exchange/cases", headers={"Authorization": f"Bearer {token}"}, timeout=30
        ).json()
        (case,) = feed["items"]  # changed again: delivered once more, at its new place, completed
        assert case["case_id"] == case_id and case["state"] == "completed"
    finally:
        store.close()


def test_a_malformed_status_body_is_refused_whole(county):
    _id, token = register(county, "县城管局系统", "units", ["cgj"], write_statuses=True)
    answer = post(county, token, [{"client_ref": "bad ref with spaces", "case_id": "x", "status": "done"}])
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "bad_request"
    with county.session() as session:
        (call,) = session.scalars(select(ApiCall)).all()
        assert (call.status, call.code, call.client_id) == (422, "bad_request", _id)
