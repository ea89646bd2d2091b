"""Wire messages: what travels per event, the answer's runs of sequence numbers, the compressed body."""

from __future__ import annotations

import hashlib
import json
import zlib

import pytest

from sync.body_codec import DICT_ENCODING, GZIP, compress, decompressor
from sync.client import encode_body
from sync.ledger.canonical import canonical_bytes
from sync.ledger.chain import GENESIS_HASH, seal
from sync.ledger.events import EventDraft, new_id
from sync.ledger.forms import draft_void
from sync.ledger.kinds import EventType
from sync.wire import PushRequest, PushResult, WireEvent, event_to_wire, seq_ranges, wire_to_event, wire_to_sealed
from tests.factories import make_case_draft

DEVICE = new_id()


def sealed_case():
    return seal(make_case_draft(), device_id=DEVICE, seq=1, prev_hash=GENESIS_HASH)


def test_a_recorded_case_travels_without_its_own_id_and_is_rebuilt_exactly():
    event = sealed_case()
    assert event.event_id == event.body["case_id"]
    wire = event_to_wire(event)
    assert wire.id is None and "id" not in wire.model_dump(exclude_none=True)
    rebuilt = wire_to_event(wire, device_id=DEVICE, seq=1, prev_hash=GENESIS_HASH)
    assert rebuilt == event


def test_the_parts_kept_for_storing_are_the_canonical_bytes_that_were_hashed():
    event = sealed_case()
    parts = wire_to_sealed(event_to_wire(event), device_id=DEVICE, seq=1, prev_hash=GENESIS_HASH)
    assert parts.event == event
    assert hashlib.sha256(canonical_bytes(event.header())).hexdigest() == event.hash
    assert parts.body_json == canonical_bytes(dict(event.body))
    assert parts.digests_json == canonical_bytes(dict(event.pii_digests))
    assert json.loads(parts.body_json) == event.body


def test_any_other_event_sends_its_id_and_one_without_is_unreadable():
    draft = draft_void(new_id(), "录错了")
    event = seal(draft, device_id=DEVICE, seq=2, prev_hash=GENESIS_HASH)
    wire = event_to_wire(event)
    assert wire.id == event.event_id
    with pytest.raises(ValueError):
        wire_to_event(wire.model_copy(update={"id": None}), device_id=DEVICE, seq=2, prev_hash=GENESIS_HASH)


def test_a_recorded_case_with_an_id_of_its_own_still_sends_it():
    case = make_case_draft()
    draft = EventDraft(EventType.CASE_RECORDED, case.body, case.pii, occurred_at=case.occurred_at)
    event = seal(draft, device_id=DEVICE, seq=1, prev_hash=GENESIS_HASH)
    wire = event_to_wire(event)
    assert wire.id == event.event_id != event.body["case_id"]
    assert wire_to_event(wire, device_id=DEVICE, seq=1, prev_hash=GENESIS_HASH).hash == event.hash


def test_sequence_numbers_become_runs_and_answers_are_read_for_the_events_sent():
    assert seq_ranges([3, 4, 5, 9, 11, 12]) == [[3, 5], [9, 9], [11, 12]]
    assert seq_ranges([]) == []
    answer = PushResult.model_validate_json(
        json.dumps(
            {
                "accepted": [[1, 3], [5, 2**40]],
                "duplicate": [[4, 4]],
                "rejected": [{"seq": 6, "code": "lifecycle", "message": "不能办结"}],
                "head": {"seq": 6, "hash": "0" * 64},
                "server_time": "2026-11-27T01:00:00.000+00:00",
            }
        )
    )
    results = answer.results_for([3, 4, 5, 6, 7])
    assert [(r.seq, r.status) for r in results] == [
        (3, "accepted"),
        (4, "duplicate"),
        (5, "accepted"),
        (6, "rejected"),
        (7, "accepted"),
    ]
    assert results[3].message == "不能办结"


def test_a_body_deflated_with_the_dictionary_inflates_back_and_is_smaller_than_gzip():
    event = sealed_case()
    request = PushRequest(
        device_id=DEVICE,
        from_seq=1,
        prev_hash=GENESIS_HASH,
        head_hash=event.hash,
        events=[event_to_wire(event)],
        app_version="0.1.0",
    )
    raw = request.model_dump_json(exclude_none=True).encode("utf-8")
    packed = encode_body(request)
    assert packed == compress(raw)
    inflater = decompressor(DICT_ENCODING)
    assert inflater.decompress(packed) + inflater.flush() == raw
    gzipped = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    assert len(packed) < len(gzipped.compress(raw) + gzipped.flush())
    assert decompressor(GZIP) is not None
    with pytest.raises(ValueError):
        decompressor("br")


def test_wire_events_refuse_unknown_fields():
    with pytest.raises(ValueError):
        WireEvent.model_validate_json('{"type": "case.completed", "t": "x", "body": {}, "hash": "0"}')
