"""Item-specific fields travel to the county on loopback: re-checked by the shared forms, personal ones sealed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from county.models import LedgerEvent
from county.services.precheck import RejectEvent, check_content
from sync.ledger.catalogue import load_catalogue
from sync.ledger.chain import seal
from sync.ledger.events import EventDraft
from sync.ledger.forms import draft_amend, draft_complete
from sync.ledger.kinds import EventType
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


def test_corrected_item_fields_are_rechecked_and_sealed_by_the_county(county, tmp_path):
    catalogue = load_catalogue("2024.2")
    store, _setup = activated(county, tmp_path)
    try:
        (phone,) = store.append(make_case_draft(catalogue, item_code="FL001", mobile="18607981234", amount="50"))
        case_id, item = phone.body["case_id"], catalogue.by_code("FL001")
        fix = draft_amend(
            case_id,
            item,
            catalogue,
            changes={"details": {"paid_mobile": "13979123456", "operator": "yd"}},
            pii_changes={},
        )
        (amended,) = store.append(fix)
        report = engine_for(store).run()
        assert report.ok and (report.accepted, report.rejected) == (2, 0)
        status, body, pii = _stored(county, amended.event_id)
        assert status == "accepted" and body["changes"] == {"details": {"operator": "yd"}}
        assert pii == {"paid_mobile": "13979123456"} and "13979123456" not in str(body)

        # what the county runs on each pushed correction: an operator the item does not offer is refused
        tampered = seal(
            EventDraft(EventType.CASE_AMENDED, {"case_id": case_id, "changes": {"details": {"operator": "xx"}}}, {}),
            device_id=amended.device_id,
            seq=amended.seq + 1,
            prev_hash=amended.hash,
        )
        with pytest.raises(RejectEvent) as refused:
            check_content(tampered, catalogue, item=item, applicant_kind="person")
        assert refused.value.code == "invalid" and "运营商" in refused.value.message
    finally:
        store.close()
