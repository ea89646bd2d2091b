"""The hand-over of a return mailing (部门回寄) as the county re-checks it: every problem named, in Chinese."""

from __future__ import annotations

import pytest

from sync.ledger.catalogue import load_catalogue
from sync.ledger.forms import FormErrors, check_event
from sync.ledger.kinds import EventType, MailingState
from sync.ledger.mailings import MailingStateError, next_mailing_state, next_return_state

MAILING = "0" * 31 + "1"
GOOD = {"mailing_id": MAILING, "handed_date": "2026-11-28", "receiver": "family", "signed": True}


def check(body, pii=None):
    return check_event(EventType.MAILING_HANDED_OVER, body, pii or {}, load_catalogue())


def test_a_family_member_is_named_and_the_name_travels_as_personal_data():
    body, pii = check(GOOD, {"receiver_name": " 王建国 "})
    assert body == GOOD and pii == {"receiver_name": "王建国"}
    assert check({**GOOD, "receiver": "self", "signed": False}) == ({**GOOD, "receiver": "self", "signed": False}, {})


@pytest.mark.parametrize(
    ("body", "pii", "field", "words"),
    [
        (GOOD, {}, "receiver_name", "家属代领要填写代领人的姓名"),
        ({**GOOD, "receiver": "self"}, {"receiver_name": "王建国"}, "receiver_name", "不用填写代领人姓名"),
        ({**GOOD, "receiver": "neighbour"}, {"receiver_name": "王建国"}, "receiver", "只能是群众本人或家属代领"),
        ({**GOOD, "signed": 1}, {"receiver_name": "王建国"}, "signed", "已签字"),
        ({**GOOD, "handed_date": "2026-02-30"}, {"receiver_name": "王建国"}, "handed_date", "不是真实存在的日期"),
        ({**GOOD, "extra": "x"}, {"receiver_name": "王建国"}, "extra", "系统不认识"),
        (GOOD, {"receiver_name": "王建国", "mobile": "13912345678"}, "mobile", "系统不认识"),
    ],
)
def test_bad_hand_overs_are_refused_naming_the_field(body, pii, field, words):
    with pytest.raises(FormErrors) as refused:
        check(body, pii)
    assert words in refused.value.errors[field]


def test_only_a_return_mailing_takes_the_two_steps_in_order_and_once():
    arrived = next_return_state(MailingState.DISPATCHED, EventType.MAILING_ARRIVED)
    assert next_return_state(arrived, EventType.MAILING_HANDED_OVER) is MailingState.HANDED_OVER
    with pytest.raises(MailingStateError, match="不能重复交付"):
        next_return_state(MailingState.HANDED_OVER, EventType.MAILING_HANDED_OVER)
    with pytest.raises(MailingStateError, match="请先点“已到代办点”"):
        next_return_state(MailingState.DISPATCHED, EventType.MAILING_HANDED_OVER)
    with pytest.raises(MailingStateError, match="只有部门回寄"):
        next_mailing_state(MailingState.DISPATCHED, EventType.MAILING_ARRIVED)
