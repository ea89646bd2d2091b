"""Personal data never reaches a log: a logging filter masks ID numbers, mobile numbers and known name fields."""

from __future__ import annotations

import logging
import re

from sync.ledger.validation import mask_mobile, mask_name, mask_resident_id

# An 18-character resident ID (the last may be X) or an old 15-digit one, not inside a longer run of digits.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
# Fields that hold a person's name, as a log line would carry them: name=张三, "name": "张三", 姓名：张三.
NAME_KEYS = (
    "name",
    "applicant_name",
    "citizen_name",
    "contact_name",
    "agent_name",
    "recipient",
    "sender",
    "姓名",
    "联系人",
    "申请人",
    "收件人",
    "寄件人",
)
_NAME_FIELD = re.compile(
    r"(?P<key>[\"']?(?:" + "|".join(re.escape(key) for key in NAME_KEYS) + r")[\"']?\s*(?:=|:|：)\s*[\"']?)"
    r"(?P<value>[^\s\"',;，；）)}\]]+)"
)


def mask_personal(text: str) -> str:
    """The text with every ID number, mobile number and value of a name field masked as on screens."""
    text = _RESIDENT_ID.sub(lambda m: mask_resident_id(m.group(0)), text)
    text = _MOBILE.sub(lambda m: mask_mobile(re.sub(r"[^0-9]", "", m.group(0))[-11:]), text)
    return _NAME_FIELD.sub(lambda m: m.group("key") + mask_name(m.group("value")), text)


class PersonalDataFilter(logging.Filter):
    """Installed on every handler of both programs: the message is formatted with its arguments and masked, and
    so are the exception text and the stack, before any formatter sees them. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the message: keep both, masked
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = mask_personal(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal(record.stack_info)
        return True
