"""Free mailing (免费寄递) lifecycle: recorded → dispatched (with a tracking number) → delivered.

A return mailing (部门回寄) starts dispatched (the department posted it) → arrived (已到代办点) → handed over
(已交群众); only such a mailing takes those two steps (``next_return_state``)."""

from __future__ import annotations

from sync.ledger.kinds import EventType, MailingState

_TRANSITIONS = {
    (MailingState.RECORDED, EventType.MAILING_DISPATCHED): MailingState.DISPATCHED,
    (MailingState.DISPATCHED, EventType.MAILING_DELIVERED): MailingState.DELIVERED,
}

_REFUSALS = {
    EventType.MAILING_DISPATCHED: "这件邮件已经交寄过了，不能重复交寄。",
    EventType.MAILING_DELIVERED: "这件邮件还没有交寄（或已妥投），不能登记妥投。",
}


_RETURN_TRANSITIONS = {
    (MailingState.DISPATCHED, EventType.MAILING_ARRIVED): MailingState.ARRIVED,
    (MailingState.ARRIVED, EventType.MAILING_HANDED_OVER): MailingState.HANDED_OVER,
}

_RETURN_REFUSALS = {
    (MailingState.ARRIVED, EventType.MAILING_ARRIVED): "这件部门回寄已经登记过到达代办点了。",
    (MailingState.HANDED_OVER, EventType.MAILING_ARRIVED): "这件部门回寄已经交给群众了。",
    (MailingState.DISPATCHED, EventType.MAILING_HANDED_OVER): "这件部门回寄还没有登记到达代办点，请先点“已到代办点”。",
    (MailingState.HANDED_OVER, EventType.MAILING_HANDED_OVER): "这件部门回寄已经交给群众了，不能重复交付。",
}
RETURN_EVENTS = frozenset({EventType.MAILING_ARRIVED, EventType.MAILING_HANDED_OVER})


class MailingStateError(ValueError):
    pass


def next_return_state(state: MailingState, event_type: EventType) -> MailingState:
    """The step of a return mailing (部门回寄) at the counter: dispatched → arrived → handed over."""
    try:
        return _RETURN_TRANSITIONS[(state, event_type)]
    except KeyError:
        raise MailingStateError(_RETURN_REFUSALS.get((state, event_type), "这一步不适用于部门回寄。")) from None


def next_mailing_state(state: MailingState, event_type: EventType) -> MailingState:
    if event_type in RETURN_EVENTS:
        raise MailingStateError("只有部门回寄的邮件才能登记到达代办点或交给群众。")
    try:
        return _TRANSITIONS[(state, event_type)]
    except KeyError:
        raise MailingStateError(_REFUSALS.get(event_type, "这一步不适用于寄递记录。")) from None
