"""Handing a return mailing (部门回寄) over at the counter: 已到代办点, then 已交群众 with who took it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sync.ledger.events import EventDraft
from sync.ledger.forms_base import Problems, check_business_date, check_choice, check_id, is_blank, take
from sync.ledger.kinds import HANDOVER_PII_FIELDS, EventType, Receiver
from sync.ledger.validation import ValidationError, clean_person_name

_HANDED_KEYS = ("mailing_id", "handed_date", "receiver", "signed")


def _mailing_id(raw: object, problems: Problems) -> str | None:
    return problems.check("mailing_id", check_id, raw, field="mailing_id", label="寄递编号")


def _signed(raw: object) -> bool:
    if raw is None:
        raise ValidationError("signed", "请说明群众有没有在领取单上签字。")
    if not isinstance(raw, bool):
        raise ValidationError("signed", "领取单签字只能是“已签字”或“未签字”。")
    return raw


def check_mailing_arrived(body: object, problems: Problems) -> dict:
    fields = take(body, ("mailing_id",), problems, where="body", label="到达内容")
    return {"mailing_id": _mailing_id(fields.get("mailing_id"), problems)}


def check_mailing_handed_over(body: object, pii: object, problems: Problems) -> tuple[dict, dict]:
    """The body (mailing, date, who, signed slip) and the family member's name, required only for 家属代领."""
    fields = take(body, _HANDED_KEYS, problems, where="body", label="交付内容")
    receiver = problems.check(
        "receiver",
        check_choice,
        fields.get("receiver"),
        Receiver,
        field="receiver",
        empty="请选择由谁领取：群众本人，或家属代领。",
        bad="领取人只能是群众本人或家属代领，请重新选择。",
    )
    out = {
        "mailing_id": _mailing_id(fields.get("mailing_id"), problems),
        "handed_date": problems.check(
            "handed_date", check_business_date, fields.get("handed_date"), field="handed_date"
        ),
        "receiver": receiver,
        "signed": problems.check("signed", _signed, fields.get("signed")),
    }
    personal = take(pii, HANDOVER_PII_FIELDS, problems, where="pii", label="领取人信息")
    name = personal.get("receiver_name")
    found: dict[str, str] = {}
    if receiver == Receiver.FAMILY.value:
        if is_blank(name):
            problems.add("receiver_name", "家属代领要填写代领人的姓名。")
        else:
            found["receiver_name"] = problems.check("receiver_name", clean_person_name, name, field="receiver_name")
    elif not is_blank(name):
        problems.add("receiver_name", "群众本人领取不用填写代领人姓名，请清空。")
    return out, {key: value for key, value in found.items() if value}


@dataclass
class HandoverForm:
    """The hand-over dialog as the agent filled it in."""

    receiver: str = ""
    receiver_name: str = ""
    signed: bool = False


def draft_arrived(mailing_id: str) -> EventDraft:
    problems = Problems()
    body = check_mailing_arrived({"mailing_id": mailing_id}, problems)
    problems.raise_if_any()
    return EventDraft(EventType.MAILING_ARRIVED, body)


def draft_handed_over(mailing_id: str, form: HandoverForm, *, handed_date: date) -> EventDraft:
    problems = Problems()
    body = {"mailing_id": mailing_id, "handed_date": handed_date, "receiver": form.receiver, "signed": form.signed}
    pii = {"receiver_name": form.receiver_name} if form.receiver_name.strip() else {}
    body, pii = check_mailing_handed_over(body, pii, problems)
    problems.raise_if_any()
    return EventDraft(EventType.MAILING_HANDED_OVER, body, pii)
