"""Free mailing (免费寄递) lifecycle: recorded → dispatched (with a tracking number) → delivered."""

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


class MailingStateError(ValueError):
    pass


def next_mailing_state(state: MailingState, event_type: EventType) -> MailingState:
    try:
        return _TRANSITIONS[(state, event_type)]
    except KeyError:
        raise MailingStateError(_REFUSALS.get(event_type, "这一步不适用于寄递记录。")) from None
