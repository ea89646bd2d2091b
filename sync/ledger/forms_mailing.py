"""Mailing forms (免费寄递): tracking numbers, the checks of mailing events, and the drafts built from them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sync.ledger.catalogue import load_units
from sync.ledger.events import EventDraft, china_now, new_id
from sync.ledger.forms_base import (
    Problems,
    check_business_date,
    check_choice,
    check_id,
    check_int,
    is_blank,
    shown,
    take,
)
from sync.ledger.kinds import MAILING_PII_FIELDS, EventType, MailingDirection
from sync.ledger.validation import ValidationError, clean_org_name, clean_text, normalize_mobile

MAX_CASES_PER_MAILING = 50
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10 = re.compile(r"([A-Z]{2})([0-9]{8})([0-9])([A-Z]{2})")
_DOMESTIC = re.compile(r"[0-9]{10,20}")
_MAILING_KEYS = ("mailing_id", "business_date", "direction", "unit_code", "contents", "pieces", "case_ids")
_RECIPIENT_KEYS = MAILING_PII_FIELDS


def s10_check_digit(serial: str) -> str:
    """UPU S10 check digit of the 8-digit serial: 11 - (weighted sum mod 11), where 10 → 0 and 11 → 5."""
    check = 11 - sum(int(digit) * weight for digit, weight in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: "0", 11: "5"}.get(check, str(check))


def normalize_tracking_no(raw: str, *, field: str = "tracking_no") -> str:
    """A scanned or typed tracking number (运单号): UPU S10 (EA123456789CN) or 10–20 domestic digits."""
    if not isinstance(raw, str):
        raise ValidationError(field, "运单号格式不对，请重新扫描。")
    number = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    if not number:
        raise ValidationError(field, "请扫描或填写运单号。")
    if match := _S10.fullmatch(number):
        if s10_check_digit(match[2]) != match[3]:
            raise ValidationError(field, "运单号的校验位（第 11 位数字）不对，可能扫错或输错了，请重新扫描或逐位核对。")
        return number
    if _DOMESTIC.fullmatch(number):
        return number
    raise ValidationError(
        field,
        "运单号格式不对：应为 2 个字母 + 9 位数字 + 2 个字母（如 EA123456785CN），"
        "或 10 至 20 位数字。请重新扫描或核对。",
    )


def _unit_code(raw: object, direction: str | None) -> str | None:
    if direction == MailingDirection.TO_CITIZEN.value:
        if not is_blank(raw):
            raise ValidationError("unit_code", "寄回群众的邮件不用选择收件部门，请清空。")
        return None
    if is_blank(raw):
        raise ValidationError("unit_code", "请选择收件部门。")
    if not isinstance(raw, str) or raw not in load_units():
        raise ValidationError("unit_code", f"单位名单里没有这个部门（{shown(raw)}），请重新选择。")
    return raw


def _case_ids(raw: object, problems: Problems) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        problems.add("case_ids", "随寄办件清单的格式不对，这条记录不能保存。")
        return []
    if len(raw) > MAX_CASES_PER_MAILING:
        problems.add("case_ids", f"一次寄递最多关联 {MAX_CASES_PER_MAILING} 笔办件，现在是 {len(raw)} 笔，请分开寄。")
        return []
    ids = [problems.check("case_ids", check_id, case_id, field="case_ids", label="随寄办件编号") for case_id in raw]
    if len(set(ids)) != len(ids) and not problems.has("case_ids"):
        problems.add("case_ids", "同一笔办件在随寄清单里出现了两次，请只保留一次。")
    return ids  # type: ignore[return-value]


def _recipient(raw: object, direction: str | None, problems: Problems) -> dict[str, str]:
    fields = take(raw, _RECIPIENT_KEYS, problems, where="pii", label="收件人信息")
    required = direction == MailingDirection.TO_CITIZEN.value
    out: dict[str, str] = {}
    name, mobile, address = (fields.get(key) for key in _RECIPIENT_KEYS)
    if not is_blank(name):
        out["recipient_name"] = problems.check("recipient_name", clean_org_name, name, field="recipient_name")
    elif required:
        problems.add("recipient_name", "请填写收件人姓名（或单位名称）。")
    if not is_blank(mobile):
        out["recipient_mobile"] = problems.check("recipient_mobile", normalize_mobile, mobile, field="recipient_mobile")
    out["recipient_address"] = problems.check(
        "recipient_address",
        clean_text,
        address,
        field="recipient_address",
        label="收件地址",
        max_len=200,
        required=required,
    )
    return {key: value for key, value in out.items() if value}


def check_mailing_recorded(body: object, pii: object, problems: Problems) -> tuple[dict, dict]:
    fields = take(body, _MAILING_KEYS, problems, where="body", label="寄递内容")
    get = fields.get
    direction = problems.check(
        "direction",
        check_choice,
        get("direction"),
        MailingDirection,
        field="direction",
        empty="请选择寄递方向（材料寄往部门，或证照寄回群众）。",
        bad="寄递方向只能是寄往部门或寄回群众，请重新选择。",
    )
    out: dict[str, Any] = {
        "mailing_id": _mailing_id(get("mailing_id"), problems),
        "business_date": problems.check("business_date", check_business_date, get("business_date")),
        "direction": direction,
        "unit_code": problems.check("unit_code", _unit_code, get("unit_code"), direction) if direction else None,
        "contents": problems.check(
            "contents", clean_text, get("contents"), field="contents", label="寄递内容", max_len=200, required=True
        ),
        "pieces": problems.check(
            "pieces", check_int, get("pieces"), field="pieces", label="件数", low=1, high=99, typed=True
        ),
        "case_ids": _case_ids(get("case_ids"), problems),
    }
    return out, _recipient(pii, direction, problems)


def _mailing_id(raw: object, problems: Problems) -> str | None:
    return problems.check("mailing_id", check_id, raw, field="mailing_id", label="寄递编号")


def check_mailing_dispatched(body: object, problems: Problems) -> dict:
    fields = take(body, ("mailing_id", "tracking_no"), problems, where="body", label="交寄内容")
    return {
        "mailing_id": _mailing_id(fields.get("mailing_id"), problems),
        "tracking_no": problems.check("tracking_no", normalize_tracking_no, fields.get("tracking_no")),
    }


def check_mailing_delivered(body: object, problems: Problems) -> dict:
    fields = take(body, ("mailing_id",), problems, where="body", label="妥投内容")
    return {"mailing_id": _mailing_id(fields.get("mailing_id"), problems)}


@dataclass
class MailingForm:
    """The mailing screen as the agent filled it in."""

    direction: str
    unit_code: str = ""
    contents: str = ""
    pieces: int | str = 1
    case_ids: list[str] = field(default_factory=list)
    recipient_name: str = ""
    recipient_mobile: str = ""
    recipient_address: str = ""


def draft_mailing(form: MailingForm, *, business_date: date | None = None, mailing_id: str | None = None) -> EventDraft:
    """MAILING_RECORDED from the mailing form."""
    problems = Problems()
    body = {
        "mailing_id": mailing_id or new_id(),
        "business_date": business_date or china_now().date(),
        "direction": form.direction,
        "unit_code": form.unit_code,
        "contents": form.contents,
        "pieces": form.pieces,
        "case_ids": list(form.case_ids),
    }
    pii = {key: getattr(form, key) for key in _RECIPIENT_KEYS}
    body, pii = check_mailing_recorded(body, pii, problems)
    problems.raise_if_any()
    return EventDraft(EventType.MAILING_RECORDED, body, pii)


def draft_dispatch(mailing_id: str, tracking_no: str) -> EventDraft:
    problems = Problems()
    body = check_mailing_dispatched({"mailing_id": mailing_id, "tracking_no": tracking_no}, problems)
    problems.raise_if_any()
    return EventDraft(EventType.MAILING_DISPATCHED, body)


def draft_delivered(mailing_id: str) -> EventDraft:
    problems = Problems()
    body = check_mailing_delivered({"mailing_id": mailing_id}, problems)
    problems.raise_if_any()
    return EventDraft(EventType.MAILING_DELIVERED, body)
