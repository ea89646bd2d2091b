"""Item-specific fields travel to the county on loopback: re-checked by the shared forms, personal ones sealed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from county.models import LedgerEvent
from sync.ledger.catalogue import load_catalogue
from sync.ledger.forms import draft_complete
from tests.county.test_sync_e2e import activated, engine_for
from tests.factories import make_case_draft

pytestmark = pytest.mark.date_sensitive


def _stored(county, event_id: str) -> tuple[str, dict, dict]:
    with county.session() as session:
        row = session.scalars(select(LedgerEvent).where(LedgerEvent.event_id == event_id)).one()
        return row.status, row.body, county.box.open(row.pii_sealed, event_id)


def test_new_fields_are_accepted_and_old_catalogue_cases_still_are(county, tmp_path):
    new, old = load_catalogue("2024.2"), load_catalogue("2024.1")
    store, _setup = activated(county, tmp_path)
    try:
        (phone,) = store.append(make_case_draft(new, item_code="FL001", mobile="18607981234", amount="50"))
        store.append(draft_complete(phone.body["case_id"]))
        (water,) = store.append(
            make_case_draft(new, item_code="FL002", amount="38", details={"account_no": "3602220417"})
        )
        (cash,) = store.append(make_case_draft(new, item_code="FL012", amount="500", details={"card_tail": "0042"}))
        (older,) = store.append(make_case_draft(old, item_code="FL001", amount="30"))  # an older counter's case
        report = engine_for(store).run()
        assert report.ok and (report.accepted, report.rejected) == (5, 0)

        status, body, pii = _stored(county, phone.event_id)
        assert status == "accepted" and body["details"] == {"operator": "lt"}
        assert pii["paid_mobile"] == "18607981234"  # personal: sealed at the county, never in the body
        assert "18607981234" not in str(body)
        assert _stored(county, water.event_id)[2]["account_no"] == "3602220417"
        assert _stored(county, cash.event_id)[1]["details"] == {"card_tail": "0042"}
        status, body, pii = _stored(county, older.event_id)
        assert status == "accepted" and "details" not in body and "paid_mobile" not in pii
    finally:
        store.close()
