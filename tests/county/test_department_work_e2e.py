"""End to end on loopback: a department clerk signs for the materials and mails the licence back in the console;
the counter's next sync shows 材料已签收 with its time limit, and lists the return mailing in its 寄递台账."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from county.api.app import create_app
from desktop.services.case_detail import load_detail
from desktop.services.mailings import MailingQueries
from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.store.engine import read
from desktop.store.schema import mailing
from sync.ledger.forms import draft_materials_sent
from sync.ledger.kinds import RETURNED_DIRECTION, CaseState
from tests.county.test_sync_e2e import activated, engine_for
from tests.county.web.conftest import csrf_of, make_staff, sign_in
from tests.factories import make_case_draft

TRACKING = "EA123456785CN"


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_signing_and_the_return_mailing_reach_the_counter(county, tmp_path, catalogue):
    store, _setup = activated(county, tmp_path)
    counter = Counter(store, catalogue, Settings(tmp_path / "data"))
    make_staff(county, "scjg.clerk", "department", unit="scjg")
    console = TestClient(create_app(county.settings, county.engine), follow_redirects=False)
    try:
        item = catalogue.by_code("FL015")
        (licence,) = store.append(
            make_case_draft(
                catalogue, item_code="FL015", amount=None, materials={m.code: "received" for m in item.guide.materials}
            )
        )
        case_id = licence.body["case_id"]
        store.append(draft_materials_sent(case_id))
        assert engine_for(store).run().ok

        assert sign_in(console, "scjg.clerk").status_code == 303
        token = csrf_of(console.get("/console/").text)

        def step(status: str) -> None:
            done = console.post(f"/console/cases/{case_id}/status", data={"status": status, "csrf": token})
            assert done.status_code == 303, done.text

        step("materials_received")
        assert engine_for(store).run().pulled == 1
        signed = load_detail(counter, case_id)
        assert signed.state is CaseState.MATERIALS_RECEIVED and signed.state_label == "材料已签收"
        assert signed.due == "2026年12月02日前（部门签收材料后 3 个工作日）"
        assert any("部门更新状态为“材料已签收”" in entry.what for entry in signed.timeline)

        step("accepted")
        step("completed")
        mailed = console.post(
            f"/console/cases/{case_id}/return-mailing",
            data={"tracking_no": TRACKING, "contents": "营业执照正本 1 份", "csrf": token},
        )
        assert mailed.status_code == 303, mailed.text
        assert engine_for(store).run().ok

        rows = MailingQueries(counter).page(0, 10)
        (incoming,) = [row for row in rows if row.incoming]
        assert (incoming.tracking_no, incoming.contents, incoming.cases) == (TRACKING, "营业执照正本 1 份", 1)
        assert incoming.direction == "部门回寄（待交群众）" and incoming.state_label == "部门已寄出，待交群众"
        assert incoming.to == "县市监局寄来，交给群众"
        done = load_detail(counter, case_id)
        assert done.state is CaseState.COMPLETED
        assert any(f"部门回寄：营业执照正本 1 份，运单号 {TRACKING}" in entry.what for entry in done.timeline)

        store.rebuild_projections()  # the return mailing is replayed from the county items like the statuses
        with read(store.engine) as conn:
            again = conn.execute(select(mailing.c.tracking_no).where(mailing.c.direction == RETURNED_DIRECTION))
            assert again.scalars().all() == [TRACKING]
    finally:
        store.close()
