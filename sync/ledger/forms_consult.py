"""代办点转来的咨询 (a consultation relayed from a counter): the villager's question, checked the same way at
the counter when the agent saves it and at the county when it arrives in a push.

Body: ``consult_id`` (32 hex, made by the counter; the answer comes back under it), ``question`` (5 to 1,000
characters, plain text, line breaks allowed; no web code, no links: the county refuses them on every form),
``item_code`` (the item the question is about, or ""). Personal field: ``phone`` (a mobile number left for a
call back), absent when the villager left none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sync.ledger.catalogue import Catalogue
from sync.ledger.events import EventDraft, new_id
from sync.ledger.forms_base import Problems, check_id, is_blank, shown, take
from sync.ledger.kinds import CONSULT_PII_FIELDS, EventType
from sync.ledger.validation import ValidationError, clean_text, normalize_mobile

QUESTION_MIN, QUESTION_MAX = 5, 1000
_KEYS = ("consult_id", "question", "item_code")
_TAG = re.compile(r"<\s*[a-zA-Z/!?]")
_LINK = re.compile(r"(https?://|www\.|\.(com|cn|net|top|xyz)\b)", re.IGNORECASE)


def check_question(raw: object) -> str:
    """The question as the county stores it; ValidationError with the words the agent reads."""
    if not isinstance(raw, str):
        raise ValidationError("question", "问题的格式不对，这条记录不能保存。")
    text = clean_text(raw, field="question", label="问题", max_len=QUESTION_MAX, multiline=True, required=True)
    if len(text.replace("\n", "").replace(" ", "")) < QUESTION_MIN:
        raise ValidationError("question", f"问题太短了，请至少写 {QUESTION_MIN} 个字，说清楚群众想问什么。")
    if _TAG.search(text):
        raise ValidationError("question", "问题里不能有网页代码（尖括号 < > 包着的字），请改成普通文字。")
    if _LINK.search(text):
        raise ValidationError("question", "问题里不能有网址链接，请直接用文字说明。")
    return text


def _item_code(raw: object, catalogue: Catalogue) -> str:
    if is_blank(raw):
        return ""
    if not isinstance(raw, str) or not any(item.code == raw for item in catalogue.items):
        raise ValidationError("item_code", f"事项目录里没有这个事项（{shown(raw)}），请重新选择，或者不选。")
    return raw


def _phone(raw: object) -> str:
    if is_blank(raw):
        return ""
    if not isinstance(raw, str):
        raise ValidationError("phone", "手机号格式不对，请重新填写。")
    return normalize_mobile(raw, field="phone")


def check_consult_asked(
    body: object, pii: Mapping[str, Any] | None, catalogue: Catalogue, problems: Problems
) -> tuple[dict, dict]:
    fields = take(body, _KEYS, problems, where="body", label="咨询内容")
    personal = take(pii, CONSULT_PII_FIELDS, problems, where="pii", label="个人信息")
    out = {
        "consult_id": problems.check(
            "consult_id", check_id, fields.get("consult_id"), field="consult_id", label="咨询编号"
        ),
        "question": problems.check("question", check_question, fields.get("question")),
        "item_code": problems.check("item_code", _item_code, fields.get("item_code"), catalogue),
    }
    phone = problems.check("phone", _phone, personal.get("phone"))
    return out, ({"phone": phone} if phone else {})


def draft_consult(
    catalogue: Catalogue, question: str, *, item_code: str = "", phone: str = "", consult_id: str | None = None
) -> EventDraft:
    """CONSULT_ASKED from what the agent typed; raises FormErrors (every problem, keyed by field)."""
    problems = Problems()
    body, pii = check_consult_asked(
        {"consult_id": consult_id or new_id(), "question": question, "item_code": item_code},
        {"phone": phone} if phone else {},
        catalogue,
        problems,
    )
    problems.raise_if_any()
    return EventDraft(EventType.CONSULT_ASKED, body, pii)
