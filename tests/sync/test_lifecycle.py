"""Tests for the case lifecycle: every (flow, state, event) combination, bodies, and replays."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from sync.ledger.kinds import CaseState, EventType, Flow
from sync.ledger.lifecycle import (
    LifecycleError,
    allowed_actions,
    initial_state,
    next_state,
    replay,
)

S = CaseState
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")

RECORD = ("record", EventType.CASE_RECORDED, {"service_mode": "point"})
AMEND = ("amend", EventType.CASE_AMENDED, {"changes": {"phone": "13800000000"}})
VOID = ("void", EventType.CASE_VOIDED, {"reason": "录入错误"})
COMPLETE = ("complete", EventType.CASE_COMPLETED, {})
SEND = ("send", EventType.MATERIALS_SENT, {"mailing_id": "M1"})
COUNTY = {
    status: (f"county_{status}", EventType.CASE_STATUS_CHANGED, {"status": status, "note": ""})
    for status in ("materials_received", "accepted", "in_review", "completed", "returned")
}
NON_CASE = [
    (f"other_{event.name.lower()}", event, {})
    for event in (
        EventType.MAILING_RECORDED,
        EventType.MAILING_DISPATCHED,
        EventType.MAILING_DELIVERED,
        EventType.DAY_CLOSED,
    )
]
ALL_EVENTS = [RECORD, AMEND, VOID, COMPLETE, SEND, *COUNTY.values(), *NON_CASE]
A, R_, IR, C_, G = (COUNTY[s][0] for s in ("accepted", "returned", "in_review", "completed", "materials_received"))

# The brief's rules transcribed by hand: (flow, state, event name) -> the state it leads to.
# Anything absent must be refused. Same-state county repeats are listed as explicit no-ops.
EXPECTED: dict[tuple[Flow, CaseState, str], CaseState] = {
    (Flow.PAYMENT, S.RECORDED, "complete"): S.COMPLETED,
    (Flow.PAYMENT, S.RECORDED, "amend"): S.RECORDED,
    (Flow.PAYMENT, S.RECORDED, "void"): S.VOIDED,
    (Flow.PAYMENT, S.COMPLETED, "void"): S.VOIDED,
    # ONLINE: agent actions
    (Flow.ONLINE, S.RECORDED, "complete"): S.COMPLETED,
    (Flow.ONLINE, S.ACCEPTED, "complete"): S.COMPLETED,
    (Flow.ONLINE, S.IN_REVIEW, "complete"): S.COMPLETED,
    (Flow.ONLINE, S.RECORDED, "amend"): S.RECORDED,
    (Flow.ONLINE, S.RETURNED, "amend"): S.RECORDED,
    (Flow.ONLINE, S.RECORDED, "void"): S.VOIDED,
    (Flow.ONLINE, S.RETURNED, "void"): S.VOIDED,
    (Flow.ONLINE, S.ACCEPTED, "void"): S.VOIDED,
    (Flow.ONLINE, S.IN_REVIEW, "void"): S.VOIDED,
    # ONLINE: county statuses
    (Flow.ONLINE, S.RECORDED, A): S.ACCEPTED,
    (Flow.ONLINE, S.ACCEPTED, A): S.ACCEPTED,
    (Flow.ONLINE, S.RECORDED, IR): S.IN_REVIEW,
    (Flow.ONLINE, S.ACCEPTED, IR): S.IN_REVIEW,
    (Flow.ONLINE, S.IN_REVIEW, IR): S.IN_REVIEW,
    (Flow.ONLINE, S.RECORDED, C_): S.COMPLETED,
    (Flow.ONLINE, S.ACCEPTED, C_): S.COMPLETED,
    (Flow.ONLINE, S.IN_REVIEW, C_): S.COMPLETED,
    (Flow.ONLINE, S.COMPLETED, C_): S.COMPLETED,
    (Flow.ONLINE, S.RECORDED, R_): S.RETURNED,
    (Flow.ONLINE, S.ACCEPTED, R_): S.RETURNED,
    (Flow.ONLINE, S.IN_REVIEW, R_): S.RETURNED,
    (Flow.ONLINE, S.RETURNED, R_): S.RETURNED,
    # APPROVAL: agent actions (never "complete")
    (Flow.APPROVAL, S.RECORDED, "send"): S.MATERIALS_SENT,
    (Flow.APPROVAL, S.RECORDED, "amend"): S.RECORDED,
    (Flow.APPROVAL, S.RETURNED, "amend"): S.RECORDED,
    (Flow.APPROVAL, S.RECORDED, "void"): S.VOIDED,
    (Flow.APPROVAL, S.MATERIALS_SENT, "void"): S.VOIDED,
    (Flow.APPROVAL, S.RETURNED, "void"): S.VOIDED,
    (Flow.APPROVAL, S.MATERIALS_RECEIVED, "void"): S.VOIDED,  # signed for, not yet accepted
    # APPROVAL: county statuses; 材料已签收 only from 材料已送交 (or repeated), and 受理 may skip it
    (Flow.APPROVAL, S.MATERIALS_SENT, G): S.MATERIALS_RECEIVED,
    (Flow.APPROVAL, S.MATERIALS_RECEIVED, G): S.MATERIALS_RECEIVED,
    (Flow.APPROVAL, S.MATERIALS_RECEIVED, A): S.ACCEPTED,
    (Flow.APPROVAL, S.MATERIALS_RECEIVED, IR): S.IN_REVIEW,
    (Flow.APPROVAL, S.MATERIALS_RECEIVED, R_): S.RETURNED,
    (Flow.APPROVAL, S.MATERIALS_SENT, A): S.ACCEPTED,
    (Flow.APPROVAL, S.ACCEPTED, A): S.ACCEPTED,
    (Flow.APPROVAL, S.MATERIALS_SENT, IR): S.IN_REVIEW,
    (Flow.APPROVAL, S.ACCEPTED, IR): S.IN_REVIEW,
    (Flow.APPROVAL, S.IN_REVIEW, IR): S.IN_REVIEW,
    (Flow.APPROVAL, S.ACCEPTED, C_): S.COMPLETED,
    (Flow.APPROVAL, S.IN_REVIEW, C_): S.COMPLETED,
    (Flow.APPROVAL, S.COMPLETED, C_): S.COMPLETED,
    (Flow.APPROVAL, S.MATERIALS_SENT, R_): S.RETURNED,
    (Flow.APPROVAL, S.ACCEPTED, R_): S.RETURNED,
    (Flow.APPROVAL, S.IN_REVIEW, R_): S.RETURNED,
    (Flow.APPROVAL, S.RETURNED, R_): S.RETURNED,
}
COUNTER_ACTIONS = (AMEND, VOID, COMPLETE, SEND)

COMBINATIONS = [
    pytest.param(flow, state, event, id=f"{flow}-{state}-{event[0]}")
    for flow in Flow
    for state in CaseState
    for event in ALL_EVENTS
]


def assert_plain_chinese(error: LifecycleError) -> None:
    assert str(error) == error.message
    assert CJK.search(error.message), error.message
    assert not LATIN.search(error.message), error.message


@pytest.mark.parametrize(("flow", "state", "event"), COMBINATIONS)
def test_every_flow_state_event_combination_follows_the_rules(
    flow: Flow, state: CaseState, event: tuple[str, EventType, Mapping[str, object]]
) -> None:
    name, event_type, body = event
    expected = EXPECTED.get((flow, state, name))
    if expected is not None:
        assert next_state(flow, state, event_type, body) is expected
    else:
        with pytest.raises(LifecycleError) as caught:
            next_state(flow, state, event_type, body)
        assert_plain_chinese(caught.value)


@pytest.mark.parametrize(("flow", "state"), [(flow, state) for flow in Flow for state in CaseState])
def test_allowed_actions_are_exactly_the_legal_counter_actions(flow: Flow, state: CaseState) -> None:
    expected = {event_type for name, event_type, _body in COUNTER_ACTIONS if (flow, state, name) in EXPECTED}
    assert allowed_actions(flow, state) == frozenset(expected)


def test_approval_items_are_never_offered_completion_at_the_counter() -> None:
    for state in CaseState:
        assert EventType.CASE_COMPLETED not in allowed_actions(Flow.APPROVAL, state)


def test_agent_completing_an_approval_item_is_told_the_department_completes_it() -> None:
    with pytest.raises(LifecycleError) as caught:
        next_state(Flow.APPROVAL, S.IN_REVIEW, EventType.CASE_COMPLETED)
    assert "部门办结" in caught.value.message
    assert "同步" in caught.value.message


def test_completing_a_voided_case_says_it_is_voided() -> None:
    with pytest.raises(LifecycleError, match="已作废"):
        next_state(Flow.PAYMENT, S.VOIDED, EventType.CASE_COMPLETED)


def test_lifecycle_error_is_a_value_error_whose_text_is_its_message() -> None:
    error = LifecycleError("这笔办件已作废，不能再办结。")
    assert isinstance(error, ValueError)
    assert str(error) == error.message == "这笔办件已作废，不能再办结。"


@pytest.mark.parametrize("body", [None, {}, {"reason": ""}, {"reason": "  "}, {"reason": 3}])
def test_voiding_without_a_reason_is_refused(body: Mapping[str, object] | None) -> None:
    with pytest.raises(LifecycleError, match="原因") as caught:
        next_state(Flow.PAYMENT, S.RECORDED, EventType.CASE_VOIDED, body)
    assert_plain_chinese(caught.value)


@pytest.mark.parametrize("body", [None, {}, {"changes": "phone"}])
def test_amending_without_changes_is_refused(body: Mapping[str, object] | None) -> None:
    with pytest.raises(LifecycleError) as caught:
        next_state(Flow.ONLINE, S.RECORDED, EventType.CASE_AMENDED, body)
    assert_plain_chinese(caught.value)


@pytest.mark.parametrize("body", [None, {}, {"status": "approved"}, {"status": "voided"}, {"status": ["accepted"]}])
def test_an_unknown_county_status_is_refused_without_echoing_it(
    body: Mapping[str, object] | None,
) -> None:
    with pytest.raises(LifecycleError) as caught:
        next_state(Flow.ONLINE, S.RECORDED, EventType.CASE_STATUS_CHANGED, body)
    assert_plain_chinese(caught.value)


def test_a_refused_state_wins_over_a_missing_body() -> None:
    with pytest.raises(LifecycleError, match="已作废"):
        next_state(Flow.ONLINE, S.VOIDED, EventType.CASE_VOIDED, {})


def test_plain_strings_from_storage_are_accepted() -> None:
    assert next_state("approval", "recorded", "materials.sent") is S.MATERIALS_SENT


def test_a_new_case_starts_recorded() -> None:
    assert initial_state() is S.RECORDED


def status(value: str) -> tuple[EventType, dict[str, object]]:
    return EventType.CASE_STATUS_CHANGED, {"status": value, "note": "县市监局"}


RECORDED = (EventType.CASE_RECORDED, {"item": "缴纳话费"})
AMENDED = (EventType.CASE_AMENDED, {"changes": {"amount_fen": 5000}})
VOIDED = (EventType.CASE_VOIDED, {"reason": "重复登记"})
COMPLETED = (EventType.CASE_COMPLETED, {})
SENT = (EventType.MATERIALS_SENT, {})


@pytest.mark.parametrize(
    ("flow", "events", "expected"),
    [
        pytest.param(Flow.PAYMENT, [RECORDED], S.RECORDED, id="payment-just-recorded"),
        pytest.param(Flow.PAYMENT, [RECORDED, AMENDED, COMPLETED], S.COMPLETED, id="payment-paid"),
        pytest.param(Flow.PAYMENT, [RECORDED, COMPLETED, VOIDED], S.VOIDED, id="payment-voided-later"),
        pytest.param(
            Flow.ONLINE,
            [RECORDED, status("accepted"), status("accepted"), status("in_review"), status("completed")],
            S.COMPLETED,
            id="online-county-completes",
        ),
        pytest.param(
            Flow.ONLINE,
            [RECORDED, status("returned"), AMENDED, COMPLETED, status("completed")],
            S.COMPLETED,
            id="online-returned-resubmitted-agent-then-county-complete",
        ),
        pytest.param(Flow.ONLINE, [RECORDED, status("accepted"), VOIDED], S.VOIDED, id="online-withdrawn"),
        pytest.param(
            Flow.APPROVAL,
            [RECORDED, SENT, status("returned"), AMENDED],
            S.RECORDED,
            id="approval-returned-then-amended-awaits-sending",
        ),
        pytest.param(
            Flow.APPROVAL,
            [
                RECORDED,
                SENT,
                status("returned"),
                AMENDED,
                SENT,
                status("accepted"),
                status("in_review"),
                status("completed"),
            ],
            S.COMPLETED,
            id="approval-returned-amended-resent-completed",
        ),
        pytest.param(
            Flow.APPROVAL,
            [RECORDED, SENT, status("returned"), VOIDED],
            S.VOIDED,
            id="approval-returned-then-given-up",
        ),
    ],
)
def test_replay_reaches_the_expected_state(
    flow: Flow, events: list[tuple[EventType, Mapping[str, object]]], expected: CaseState
) -> None:
    assert replay(flow, events) is expected


def test_replay_of_a_returned_approval_refuses_acceptance_before_resending() -> None:
    events = [RECORDED, SENT, status("returned"), AMENDED, status("accepted")]
    with pytest.raises(LifecycleError) as caught:
        replay(Flow.APPROVAL, events)
    assert_plain_chinese(caught.value)


@pytest.mark.parametrize(
    "events",
    [[], [COMPLETED], [AMENDED, COMPLETED], [RECORDED, RECORDED]],
    ids=["empty", "no-record", "record-missing-first", "recorded-twice"],
)
def test_replay_needs_exactly_one_leading_record(
    events: list[tuple[EventType, Mapping[str, object]]],
) -> None:
    with pytest.raises(LifecycleError) as caught:
        replay(Flow.PAYMENT, events)
    assert_plain_chinese(caught.value)


def test_replay_accepts_any_iterable_once() -> None:
    events = iter([RECORDED, SENT, status("accepted")])
    assert replay(Flow.APPROVAL, events) is S.ACCEPTED
