"""The case lifecycle (办件流转): which event moves a case from which state to which, per flow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sync.ledger.kinds import CASE_STATE_LABELS, CaseState, EventType, Flow

__all__ = [
    "COUNTER_ACTIONS",
    "COUNTY_STATUSES",
    "LifecycleError",
    "allowed_actions",
    "initial_state",
    "next_state",
    "replay",
]


class LifecycleError(ValueError):
    """An event that the case's flow and state do not allow; `message` is written for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Move:
    """One thing that can happen to a case: a counter action, or a county status (status set)."""

    event: EventType
    status: CaseState | None = None


# The statuses a department may set through the county (body["status"] of CASE_STATUS_CHANGED);
# each names the state it leads to, so the wire values are the CaseState values.
COUNTY_STATUSES = frozenset(
    {
        CaseState.MATERIALS_RECEIVED,
        CaseState.ACCEPTED,
        CaseState.IN_REVIEW,
        CaseState.COMPLETED,
        CaseState.RETURNED,
    }
)
# What the agent may do at the counter; the ledger screen offers a subset of these.
COUNTER_ACTIONS = frozenset(
    {
        EventType.CASE_AMENDED,
        EventType.CASE_VOIDED,
        EventType.CASE_COMPLETED,
        EventType.MATERIALS_SENT,
    }
)

_R, _SENT, _GOT, _ACC, _REV, _RET, _DONE, _VOID = (
    CaseState.RECORDED,
    CaseState.MATERIALS_SENT,
    CaseState.MATERIALS_RECEIVED,
    CaseState.ACCEPTED,
    CaseState.IN_REVIEW,
    CaseState.RETURNED,
    CaseState.COMPLETED,
    CaseState.VOIDED,
)
AMEND = Move(EventType.CASE_AMENDED)
VOID = Move(EventType.CASE_VOIDED)
COMPLETE = Move(EventType.CASE_COMPLETED)
SEND = Move(EventType.MATERIALS_SENT)
COUNTY_RECEIVED = Move(EventType.CASE_STATUS_CHANGED, _GOT)
COUNTY_ACCEPTED = Move(EventType.CASE_STATUS_CHANGED, _ACC)
COUNTY_IN_REVIEW = Move(EventType.CASE_STATUS_CHANGED, _REV)
COUNTY_COMPLETED = Move(EventType.CASE_STATUS_CHANGED, _DONE)
COUNTY_RETURNED = Move(EventType.CASE_STATUS_CHANGED, _RET)

# The whole lifecycle. Each row: flow, the states it applies from, the move, the state it leads to.
# Anything not listed is refused. VOIDED is terminal; COMPLETED is terminal except that a payment
# found wrong later may still be voided. Besides these rows, a county status that repeats the state
# the case is already in (accepted twice, completed after the agent's own 办结) is a no-op.
TRANSITIONS: tuple[tuple[Flow, tuple[CaseState, ...], Move, CaseState], ...] = (
    # 现场缴费/助农取现: done on the spot; no department step.
    (Flow.PAYMENT, (_R,), COMPLETE, _DONE),
    (Flow.PAYMENT, (_R,), AMEND, _R),
    (Flow.PAYMENT, (_R, _DONE), VOID, _VOID),
    # 网上申报: the agent submits online; the department may report back.
    (Flow.ONLINE, (_R, _ACC, _REV), COMPLETE, _DONE),
    (Flow.ONLINE, (_R, _RET), AMEND, _R),  # from RETURNED: corrected and submitted again
    (Flow.ONLINE, (_R, _RET, _ACC, _REV), VOID, _VOID),
    (Flow.ONLINE, (_R, _ACC), COUNTY_ACCEPTED, _ACC),
    (Flow.ONLINE, (_R, _ACC), COUNTY_IN_REVIEW, _REV),
    (Flow.ONLINE, (_R, _ACC, _REV), COUNTY_COMPLETED, _DONE),
    (Flow.ONLINE, (_R, _ACC, _REV), COUNTY_RETURNED, _RET),
    # 审批类 (四类、五类): materials go to the department, and only its decision completes the case. The
    # department signs for the parcel (材料已签收, the time limit starts) — or, as before signing existed,
    # accepts straight from 材料已送交.
    (Flow.APPROVAL, (_R,), SEND, _SENT),
    (Flow.APPROVAL, (_R, _RET), AMEND, _R),  # from RETURNED: the materials must be sent again
    (Flow.APPROVAL, (_R, _SENT, _GOT, _RET), VOID, _VOID),
    (Flow.APPROVAL, (_SENT,), COUNTY_RECEIVED, _GOT),
    (Flow.APPROVAL, (_SENT, _GOT), COUNTY_ACCEPTED, _ACC),
    (Flow.APPROVAL, (_SENT, _GOT, _ACC), COUNTY_IN_REVIEW, _REV),
    (Flow.APPROVAL, (_ACC, _REV), COUNTY_COMPLETED, _DONE),
    (Flow.APPROVAL, (_SENT, _GOT, _ACC, _REV), COUNTY_RETURNED, _RET),
)

_NEXT: dict[tuple[Flow, CaseState, Move], CaseState] = {
    (flow, state, move): target for flow, states, move, target in TRANSITIONS for state in states
}
_NEXT.update(  # the idempotent same-state county repeats
    {(flow, target, move): target for flow, _states, move, target in TRANSITIONS if move.status is not None}
)

_VERBS = {
    EventType.CASE_AMENDED: "更正",
    EventType.CASE_VOIDED: "作废",
    EventType.CASE_COMPLETED: "办结",
    EventType.MATERIALS_SENT: "送交材料",
}


def initial_state() -> CaseState:
    """The state a case is in right after CASE_RECORDED."""
    return CaseState.RECORDED


def next_state(
    flow: Flow,
    state: CaseState,
    event_type: EventType,
    body: Mapping[str, object] | None = None,
) -> CaseState:
    """The state after applying one event; raises LifecycleError if the event is not allowed."""
    flow, state, event_type = Flow(flow), CaseState(state), EventType(event_type)
    body = body or {}
    move = _move_of(event_type, body)
    target = _NEXT.get((flow, state, move))
    if target is None:
        raise LifecycleError(_refusal(flow, state, move))
    _check_body(event_type, body)
    return target


def allowed_actions(flow: Flow, state: CaseState) -> frozenset[EventType]:
    """The counter actions the ledger screen may offer for a case in this state."""
    flow, state = Flow(flow), CaseState(state)
    return frozenset(move.event for (f, s, move) in _NEXT if f is flow and s is state and move.event in COUNTER_ACTIONS)


def replay(flow: Flow, events: Iterable[tuple[EventType, Mapping[str, object] | None]]) -> CaseState:
    """The state a case's events lead to, starting from its CASE_RECORDED."""
    stream = iter(events)
    first = next(stream, None)
    if first is None or EventType(first[0]) is not EventType.CASE_RECORDED:
        raise LifecycleError("这笔办件的记录缺少登记事件，无法还原办件状态。")
    state = initial_state()
    for event_type, body in stream:
        state = next_state(flow, state, event_type, body)
    return state


def _move_of(event_type: EventType, body: Mapping[str, object]) -> Move:
    if event_type is EventType.CASE_RECORDED:
        raise LifecycleError("这笔办件已经登记过，不能重复登记。")
    if event_type is EventType.CASE_STATUS_CHANGED:
        raw = body.get("status")
        if not isinstance(raw, str) or raw not in COUNTY_STATUSES:
            raise LifecycleError("收到一条无法识别的部门办理状态，这条更新没有处理。")
        return Move(event_type, CaseState(raw))
    if event_type not in COUNTER_ACTIONS:
        raise LifecycleError("这条记录不是办件事件，不会改变办件状态。")
    return Move(event_type)


def _check_body(event_type: EventType, body: Mapping[str, object]) -> None:
    if event_type is EventType.CASE_VOIDED:
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise LifecycleError("作废办件必须填写原因，请写明为什么作废。")
    elif event_type is EventType.CASE_AMENDED:
        # An empty mapping is fine here: a correction may touch only personal fields, which travel
        # outside the body; forms.check_event refuses a correction that changes nothing at all.
        if not isinstance(body.get("changes"), Mapping):
            raise LifecycleError("更正内容为空，请填写要更正的内容。")


def _refusal(flow: Flow, state: CaseState, move: Move) -> str:
    """A plain-Chinese reason why this move is refused (most specific reason first)."""
    verb = _VERBS.get(move.event) or f"变为「{CASE_STATE_LABELS[move.status or state]}」"
    if move.status is not None and flow is Flow.PAYMENT:
        return "现场缴费类办件没有部门办理环节，不接收部门的状态更新。"
    if move == COMPLETE and flow is Flow.APPROVAL:
        return "审批类事项要等部门办结，不能由代办点直接办结。部门办结后，同步时会自动更新。"
    if move == SEND and flow is not Flow.APPROVAL:
        return "只有审批类事项需要把材料送交部门，这笔办件不用送交材料。"
    if state is CaseState.VOIDED:
        return f"这笔办件已作废，不能再{verb}。"
    if state is CaseState.COMPLETED:
        return f"这笔办件已办结，不能再{verb}。"
    if move == AMEND and flow is not Flow.PAYMENT and state in (_SENT, _GOT, _ACC, _REV):
        return "材料已提交部门，现在不能更正；部门退回后可以更正并重新提交。"
    if move == VOID and flow is Flow.APPROVAL and state in (_ACC, _REV):
        return "部门已受理这笔办件，不能作废；如需撤回申请，请联系审批部门。"
    if move == SEND and state is CaseState.RETURNED:
        return "部门已退回这笔办件，请先更正材料，再重新送交。"
    if move == SEND and state is not CaseState.RECORDED:
        return f"这笔办件当前为「{CASE_STATE_LABELS[state]}」，不能再送交材料。"
    if move == COUNTY_RECEIVED and flow is not Flow.APPROVAL:
        return "只有审批类事项有送交部门的材料，这笔办件没有材料要签收。"
    if move.status is not None and flow is Flow.APPROVAL and state is CaseState.RECORDED:
        return "材料还没有送交部门，部门的办理状态暂不能更新；请先登记送交材料。"
    return f"这笔办件当前为「{CASE_STATE_LABELS[state]}」，不能{verb}。"
