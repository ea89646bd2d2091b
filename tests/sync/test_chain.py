"""The per-device hash chain detects every edit, deletion, insertion and reordering."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.ledger.chain import (
    GENESIS_HASH,
    ChainError,
    ChainHead,
    event_hash,
    seal,
    sealed_parts,
    verify_chain,
)
from sync.ledger.events import Event, EventDraft
from sync.ledger.kinds import EventType

DEVICE = "dev-a"


def purge_pii(event: Event) -> Event:
    """The event as the store keeps it once its personal fields were purged: no fields, no salt."""
    return replace(event, pii=None, pii_salt=None)


def make_chain(n: int, device_id: str = DEVICE) -> list:
    events, prev = [], GENESIS_HASH
    for i in range(n):
        draft = EventDraft(
            type=EventType.CASE_RECORDED,
            body={"case_id": f"case-{i}", "item_code": "FL001", "amount_fen": 100 * (i + 1)},
            pii={"name": "𠮷田", "id_number": f"36022219500101{i:03d}X"[:18], "mobile": "13800138000"},
        )
        event = seal(draft, device_id=device_id, seq=i + 1, prev_hash=prev)
        events.append(event)
        prev = event.hash
    return events


def test_a_sealed_chain_verifies_and_reports_its_head():
    events = make_chain(5)
    head = verify_chain(events, device_id=DEVICE)
    assert head == ChainHead(5, events[-1].hash)


def test_verification_resumes_from_a_known_head():
    events = make_chain(6)
    head = verify_chain(events[:3], device_id=DEVICE)
    assert verify_chain(events[3:], device_id=DEVICE, start=head).seq == 6


def test_purged_personal_fields_still_verify():
    events = [purge_pii(e) for e in make_chain(4)]
    assert all(e.pii is None for e in events)
    assert verify_chain(events, device_id=DEVICE).seq == 4


def test_a_changed_personal_field_is_detected_even_though_it_is_not_hashed_directly():
    events = make_chain(3)
    pii = dict(events[1].pii)
    pii["mobile"] = "13900139000"
    events[1] = replace(events[1], pii=pii)
    with pytest.raises(ChainError) as info:
        verify_chain(events, device_id=DEVICE)
    assert info.value.seq == 2


def test_an_event_of_another_device_is_refused():
    mine, theirs = make_chain(2), make_chain(3, device_id="dev-b")
    with pytest.raises(ChainError, match="another device"):
        verify_chain([mine[0], mine[1], theirs[2]], device_id=DEVICE)


def test_the_same_body_on_two_devices_hashes_differently():
    assert make_chain(1)[0].hash != make_chain(1, device_id="dev-b")[0].hash


CHAIN_LEN = 8


@st.composite
def tampered(draw):
    """A chain and one tampering of it: an edit, deletion, insertion, swap or move."""
    events = make_chain(CHAIN_LEN)
    kind = draw(
        st.sampled_from(["edit_body", "edit_time", "edit_seq", "delete", "insert", "swap", "move", "rehash_edit"])
    )
    i = draw(st.integers(0, CHAIN_LEN - 1))
    if kind == "edit_body":
        body = dict(events[i].body)
        body["amount_fen"] = draw(st.integers(0, 10**9).filter(lambda v: v != body["amount_fen"]))
        events[i] = replace(events[i], body=body)
    elif kind == "edit_time":
        events[i] = replace(events[i], occurred_at="2020-01-01T00:00:00.000+08:00")
    elif kind == "edit_seq":
        events[i] = replace(events[i], seq=events[i].seq + draw(st.integers(1, 5)))
    elif kind == "delete":
        if i == CHAIN_LEN - 1:
            i = 0  # dropping the tail is a shorter chain, caught by the count/digest, not the links
        del events[i]
    elif kind == "insert":
        extra = make_chain(CHAIN_LEN)[draw(st.integers(0, CHAIN_LEN - 1))]
        events.insert(i, extra)
    elif kind == "swap":
        j = draw(st.integers(0, CHAIN_LEN - 1).filter(lambda j: j != i))
        events[i], events[j] = events[j], events[i]
    elif kind == "move":
        j = draw(st.integers(0, CHAIN_LEN - 2).filter(lambda j: j != i))
        event = events.pop(i)
        events.insert(j, event)
    else:  # an edit whose hash was recomputed: the next link (or the head) no longer matches
        body = dict(events[i].body)
        body["item_code"] = "FL020"
        edited = replace(events[i], body=body)
        from sync.ledger.chain import event_hash

        events[i] = replace(edited, hash=event_hash(edited))
        if i == CHAIN_LEN - 1:
            return events, kind, True
    return events, kind, False


@settings(max_examples=300, deadline=None)
@given(tampered())
def test_any_tampering_of_a_chain_is_detected(case):
    events, kind, only_head_changes = case
    if only_head_changes:
        # Rewriting the newest event yields a chain that verifies by itself; the county still
        # catches it because the head it already acknowledged differs.
        original_head = make_chain(CHAIN_LEN)[-1]
        assert verify_chain(events, device_id=DEVICE).hash != original_head.hash
        return
    with pytest.raises(ChainError):
        verify_chain(events, device_id=DEVICE)


def test_a_sealed_event_is_the_event_its_fields_make_and_keeps_none_of_the_callers_dicts():
    body = {"case_id": "c1", "materials": [{"code": "id", "status": "received"}]}
    pii, digests_source = {"name": "𠮷田"}, None
    parts = sealed_parts(
        event_id="e1",
        device_id=DEVICE,
        seq=1,
        event_type=EventType.CASE_RECORDED,
        occurred_at="2026-11-27T09:30:00.000+08:00",
        body=body,
        prev_hash=GENESIS_HASH,
        pii=pii,
        salt=b"\x01" * 16,
        digests=digests_source,
    )
    event = parts.event
    rebuilt = Event(
        event_id=event.event_id,
        device_id=event.device_id,
        seq=event.seq,
        type=event.type,
        occurred_at=event.occurred_at,
        body=dict(event.body),
        pii_digests=dict(event.pii_digests),
        prev_hash=event.prev_hash,
        hash=event.hash,
        pii=dict(event.pii),
        pii_salt=event.pii_salt,
    )
    assert event == rebuilt and event.hash == event_hash(rebuilt)
    body["case_id"], pii["name"] = "c2", "改过"  # the caller's dicts change afterwards: the event does not
    assert event.body["case_id"] == "c1" and event.pii["name"] == "𠮷田"
    with pytest.raises(TypeError):
        event.body["case_id"] = "c3"  # type: ignore[index]
    verify_chain([event], device_id=DEVICE)
