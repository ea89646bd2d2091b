"""Ingest decides each event of a batch on its own: the county's state and the rules, one transaction per batch."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from county.config import Settings
from county.models import Case, CountyEvent, LedgerEvent
from county.services import enrolment, ingest
from county.services.auth import authenticate
from county.services.pii import event_pii
from county.services.precheck import prepare
from sync.clock import china_today
from sync.ledger.chain import GENESIS_HASH, check_pii, seal, verify_chain
from sync.ledger.events import Event, EventDraft, new_id
from sync.ledger.forms import draft_complete, draft_void
from sync.ledger.kinds import EventType
from sync.ledger.receipts import format_receipt_no
from sync.wire import EnrolRequest, PushRequest, event_to_wire
from tests.county.conftest import new_point
from tests.factories import make_case_draft


def enrolled(county) -> tuple[str, str, int]:
    point = new_point(county)
    with county.session() as session:
        result = enrolment.enrol(
            session,
            EnrolRequest(
                activation_code=point["code"], app_version="test", device_time="2026-11-27T09:30:00.000+08:00"
            ),
            client="127.0.0.1",
            settings=Settings(),
        )
    return result.device_token, result.point.code, result.device_no


def sealed_chain(device_id: str, drafts: list[EventDraft]) -> list[Event]:
    events, prev = [], GENESIS_HASH
    for seq, draft in enumerate(drafts, start=1):
        events.append(seal(draft, device_id=device_id, seq=seq, prev_hash=prev))
        prev = events[-1].hash
    return events


def request_for(device_id: str, events: list[Event]) -> PushRequest:
    return PushRequest(
        device_id=device_id,
        from_seq=events[0].seq,
        prev_hash=events[0].prev_hash,
        head_hash=events[-1].hash,
        events=[event_to_wire(e) for e in events],
        app_version="test",
    )


def push(county, token: str, request: PushRequest):
    with county.session() as session:
        device, point = authenticate(session, f"Device {token}", lock=True)
        return ingest.push(session, device, point, request, max_events=500, box=county.box)


def test_one_batch_accepts_rejects_and_answers_duplicates_event_by_event(county):
    token, point_code, device_no = enrolled(county)
    device_id = token.split(".")[0]

    def case(serial: int, **body) -> EventDraft:
        draft = make_case_draft()
        receipt = format_receipt_no(point_code, china_today(), device_no, serial)
        return replace(draft, body={**draft.body, "receipt_no": receipt, **body})

    first = case(1)
    case_id = first.body["case_id"]
    status = EventDraft(EventType.CASE_STATUS_CHANGED, {"case_id": case_id, "status": "accepted", "note": ""})
    drafts = [
        first,  # 1 accepted
        case(1, case_id=new_id()),  # 2 receipt_reused
        case(2, case_id=case_id),  # 3 case_exists
        draft_complete(case_id),  # 4 accepted
        draft_void(new_id(), "录错了"),  # 5 unknown_case
        draft_complete(case_id),  # 6 lifecycle
        case(3, village=" 瑶里村 "),  # 7 not_normalised
        case(4, mode="fly"),  # 8 invalid
        status,  # 9 county_only
        case(5, receipt_no=format_receipt_no("9999", china_today(), device_no, 5)),  # 10 receipt_foreign
    ]
    request = request_for(device_id, sealed_chain(device_id, drafts))
    result = push(county, token, request)
    codes = {r.seq: r.code for r in result.results if r.status == "rejected"}
    assert result.accepted == [[1, 1], [4, 4]]
    assert codes == {
        2: "receipt_reused",
        3: "case_exists",
        5: "unknown_case",
        6: "lifecycle",
        7: "not_normalised",
        8: "invalid",
        9: "county_only",
        10: "receipt_foreign",
    }
    assert result.head.seq == 10

    again = push(county, token, request)
    assert again.duplicate == [[1, 10]] and not again.accepted and not again.rejected
    with county.session() as session:
        (stored,) = session.scalars(select(Case)).all()
        assert (stored.case_id, stored.state, stored.completed_at) == (case_id, "completed", drafts[3].occurred_at)
        kinds = session.scalars(select(CountyEvent.kind)).all()
        assert kinds.count("points_statement") == 1  # the completion changed what the point earns, once


def test_a_case_recorded_in_one_batch_is_found_by_the_next(county):
    token, point_code, device_no = enrolled(county)
    device_id = token.split(".")[0]
    draft = make_case_draft(item_code="FL009", amount=None, materials={"id_card": "received"})
    draft = replace(
        draft, body={**draft.body, "receipt_no": format_receipt_no(point_code, china_today(), device_no, 1)}
    )
    events = sealed_chain(device_id, [draft, draft_complete(draft.body["case_id"])])
    assert push(county, token, request_for(device_id, events[:1])).accepted == [[1, 1]]
    assert push(county, token, request_for(device_id, events[1:])).accepted == [[2, 2]]
    with county.session() as session:
        assert session.scalar(select(Case.state)) == "completed"


def test_the_ledger_keeps_each_event_as_it_was_hashed(county):
    """Body, digests and personal fields are stored as text made before the transaction: read back, they
    rebuild events whose chain and personal-field digests verify, and each row carries its China-time month."""
    token, point_code, device_no = enrolled(county)
    device_id = token.split(".")[0]
    drafts = []
    for serial in (1, 2):
        draft = make_case_draft()
        drafts.append(
            replace(
                draft,
                body={**draft.body, "receipt_no": format_receipt_no(point_code, china_today(), device_no, serial)},
            )
        )
    drafts.append(draft_complete(drafts[0].body["case_id"]))
    events = sealed_chain(device_id, drafts)
    paused: list[int] = []
    sealed = prepare(request_for(device_id, events), max_events=500, box=county.box, pause=lambda: paused.append(1))
    assert len(paused) == len(events)  # the endpoint's write gate may hold the check back before every event
    with county.session() as session:
        device, point = authenticate(session, f"Device {token}", lock=True)
        assert ingest.push(session, device, point, sealed, max_events=500).accepted == [[1, 3]]
    with county.session() as session:
        rows = session.scalars(select(LedgerEvent).order_by(LedgerEvent.seq)).all()
        rebuilt = [
            Event(
                event_id=row.event_id,
                device_id=row.device_id,
                seq=row.seq,
                type=row.type,
                occurred_at=row.occurred_at,
                body=row.body,
                pii_digests=row.pii_digests,
                prev_hash=(rows[i - 1].hash if i else GENESIS_HASH),
                hash=row.hash,
                pii=event_pii(county.box, row),
                pii_salt=row.pii_salt,
            )
            for i, row in enumerate(rows)
        ]
        assert verify_chain(rebuilt, device_id=device_id).seq == 3
        for event, original in zip(rebuilt, events, strict=True):
            check_pii(event)
            assert (event.body, event.pii) == (original.body, original.pii)
        assert [row.month for row in rows] == [event.occurred_at[:7] for event in events]
        assert event_pii(county.box, rows[0])["name"] == events[0].pii["name"] and rows[2].pii_sealed is None
        assert all(row.pii is None for row in rows)  # never in clear
