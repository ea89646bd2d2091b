"""Item-specific fields (事项专属信息): what a payment is for, declared per item in the catalogue, checked alike.

An item of the catalogue may declare fields such as the number topped up (充值号码), its operator (运营商),
a utility account number (户号), a year (缴费年度), a bank card's last four digits or the insured person
(参保人). Each field has a kind, which picks the shared rule that checks it (sync/ledger/validation.py),
and says whether it is personal: personal values travel in the event's ``pii`` beside the applicant's
(outside the hash chain, purged after retention, masked on screen and paper); the others in the body's
``details``. A default fills a field the agent leaves blank, so the usual case costs no keys.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sync.ledger.forms_base import Problems, is_blank
from sync.ledger.validation import (
    ValidationError,
    check_year,
    clean_person_name,
    mask_account,
    mask_mobile,
    mask_name,
    mask_resident_id,
    normalize_account_no,
    normalize_card_tail,
    normalize_mobile,
    normalize_resident_id,
)


class FieldKind(StrEnum):
    """Which shared rule checks a field's value."""

    MOBILE = "mobile"  # 手机号码
    ACCOUNT = "account"  # 户号、缴费号
    CHOICE = "choice"  # one of the declared choices (运营商)
    YEAR = "year"  # 年度
    CARD_TAIL = "card_tail"  # 银行卡号后四位
    PERSON_NAME = "person_name"  # 姓名
    RESIDENT_ID = "resident_id"  # 居民身份证号码


PERSONAL_KINDS = frozenset({FieldKind.MOBILE, FieldKind.PERSON_NAME, FieldKind.RESIDENT_ID})
DEFAULT_APPLICANT_MOBILE = "applicant.mobile"  # the applicant's mobile number
DEFAULT_BUSINESS_YEAR = "business_date.year"  # the year of the case's business date
# Resident medical insurance (城乡居民医保) is collected from September for the following year.
DEFAULT_COVERAGE_YEAR = "business_date.coverage_year"
COVERAGE_FROM_MONTH = 9
DEFAULT_PREFIX_OF = "prefix_of."  # + a field's code: the choice whose number prefix that field's value has


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    unit_code: str | None = None  # the handling unit (units.json) this choice stands for, if it is one
    prefixes: tuple[str, ...] = ()  # number prefixes that pick this choice by default (号段)


@dataclass(frozen=True)
class ItemField:
    code: str
    label: str
    kind: FieldKind
    required: bool
    personal: bool
    default: str = ""  # one of the DEFAULT_* forms, or "" for none
    hint: str = ""  # shown under the field
    choices: tuple[Choice, ...] = ()
    sets_unit: bool = False  # the chosen choice is the case's handling unit (only the chosen operator)

    def choice(self, code: str) -> Choice | None:
        return next((each for each in self.choices if each.code == code), None)


def choice_by_prefix(field: ItemField, number: str) -> str | None:
    """The choice whose longest declared prefix starts ``number`` (号段 → 运营商); None when none does."""
    best, length = None, 0
    for each in field.choices:
        for prefix in each.prefixes:
            if len(prefix) > length and number.startswith(prefix):
                best, length = each.code, len(prefix)
    return best


def _rule(field: ItemField, raw: str) -> str:
    key, label = field.code, field.label
    if field.kind is FieldKind.MOBILE:
        return normalize_mobile(raw, field=key)
    if field.kind is FieldKind.ACCOUNT:
        return normalize_account_no(raw, field=key, label=label)
    if field.kind is FieldKind.YEAR:
        return check_year(raw, field=key, label=label)
    if field.kind is FieldKind.CARD_TAIL:
        return normalize_card_tail(raw, field=key, label=label)
    if field.kind is FieldKind.PERSON_NAME:
        return clean_person_name(raw, field=key)
    if field.kind is FieldKind.RESIDENT_ID:
        return normalize_resident_id(raw, field=key)
    code = unicodedata.normalize("NFKC", raw).strip()  # CHOICE
    if field.choice(code) is None:
        names = "、".join(each.label for each in field.choices)
        raise ValidationError(key, f"{label}只能是{names}之一，请重新选择。")
    return code


def check_values(
    fields: tuple[ItemField, ...], details: object, pii: Mapping[str, object], problems: Problems, item_name: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The body's ``details`` and the item's personal values, checked; blanks are left out."""
    body_codes = [f.code for f in fields if not f.personal]
    if details is None:
        details = {}
    if not isinstance(details, Mapping):
        problems.add("details", f"“{item_name}”的专属信息格式不对，这条记录不能保存。")
        details = {}
    for key in details:
        if key not in body_codes:
            problems.add("details", f"“{item_name}”没有“{key}”这一项信息，请升级软件后重试。")
    out_body: dict[str, str] = {}
    out_pii: dict[str, str] = {}
    for field in fields:
        raw = (pii if field.personal else details).get(field.code)
        if is_blank(raw):
            if field.required:
                problems.add(field.code, f"请填写{field.label}。")
            continue
        if not isinstance(raw, str):
            problems.add(field.code, f"{field.label}格式不对，请重新输入。")
            continue
        value = problems.check(field.code, _rule, field, raw)
        if value is not None:
            (out_pii if field.personal else out_body)[field.code] = value
    return out_body, out_pii


def check_changes(
    fields: tuple[ItemField, ...], details: object, pii: Mapping[str, object], problems: Problems, item_name: str
) -> tuple[dict[str, str], dict[str, str]]:
    """A correction's (更正) changed values, checked by the same rules; only the fields given are looked at.

    ``details`` holds changed non-personal values (a blank one is refused: a required field cannot be
    emptied); ``pii`` the changed personal ones, where a blank means “unchanged” as for the applicant's.
    """
    body_codes = {f.code for f in fields if not f.personal}
    if details is None:
        details = {}
    if not isinstance(details, Mapping):
        problems.add("details", f"“{item_name}”的专属信息格式不对，这条更正不能保存。")
        details = {}
    for key in details:
        if key not in body_codes:
            problems.add("details", f"“{item_name}”没有“{key}”这一项信息，请升级软件后重试。")
    out_body: dict[str, str] = {}
    out_pii: dict[str, str] = {}
    for field in fields:
        given = pii if field.personal else details
        if field.code not in given:
            continue
        raw = given[field.code]
        if is_blank(raw):
            if not field.personal:
                problems.add(field.code, f"请填写{field.label}。")
            continue
        if not isinstance(raw, str):
            problems.add(field.code, f"{field.label}格式不对，请重新输入。")
            continue
        value = problems.check(field.code, _rule, field, raw)
        if value is not None:
            (out_pii if field.personal else out_body)[field.code] = value
    return out_body, out_pii


def with_defaults(
    fields: tuple[ItemField, ...], typed: Mapping[str, str], *, applicant_mobile: str, business_date: date
) -> dict[str, str]:
    """The values as typed, with each blank field that has a default filled in (in declaration order)."""
    out = {code: value for code, value in typed.items() if not is_blank(value)}
    for field in fields:
        if field.code in out or not field.default:
            continue
        value = default_value(field, out, applicant_mobile=applicant_mobile, business_date=business_date)
        if value:
            out[field.code] = value
    return out


def default_source(field: ItemField) -> str | None:
    """The form key a field's default is worked out from (its errors stand for the field's), if any."""
    if field.default == DEFAULT_APPLICANT_MOBILE:
        return "mobile"
    if field.default.startswith(DEFAULT_PREFIX_OF):
        return field.default[len(DEFAULT_PREFIX_OF) :]
    return None


def quiet_defaulted(fields: tuple[ItemField, ...], typed: Mapping[str, str], errors: dict[str, str]) -> None:
    """Drop the message of a field left to its default when the field it comes from has one already."""
    wrong = set(errors)
    for field in fields:
        source = default_source(field)
        if source in wrong and is_blank(typed.get(field.code)):
            errors.pop(field.code, None)
            wrong.add(field.code)


def default_value(field: ItemField, values: Mapping[str, str], *, applicant_mobile: str, business_date: date) -> str:
    """What a blank field becomes: "" when its default cannot be worked out (the agent then chooses)."""
    if field.default == DEFAULT_APPLICANT_MOBILE:
        return applicant_mobile.strip()
    if field.default == DEFAULT_BUSINESS_YEAR:
        return str(business_date.year)
    if field.default == DEFAULT_COVERAGE_YEAR:
        return str(business_date.year + (business_date.month >= COVERAGE_FROM_MONTH))
    if field.default.startswith(DEFAULT_PREFIX_OF):
        source = values.get(field.default[len(DEFAULT_PREFIX_OF) :], "")
        try:
            number = normalize_mobile(source) if source else ""
        except ValidationError:
            return ""
        return choice_by_prefix(field, number) or "" if number else ""
    return ""


_MASKS = {
    FieldKind.MOBILE: mask_mobile,
    FieldKind.PERSON_NAME: mask_name,
    FieldKind.RESIDENT_ID: mask_resident_id,
    FieldKind.ACCOUNT: mask_account,
}


def shown(field: ItemField, value: str, *, masked: bool = True) -> str:
    """A value as a screen or paper shows it: a choice by its label, a personal value masked."""
    if field.kind is FieldKind.CHOICE:
        found = field.choice(value)
        return found.label if found else value
    if masked and field.personal and field.kind in _MASKS:
        return _MASKS[field.kind](value)
    return value


def lines(
    fields: tuple[ItemField, ...], details: Mapping[str, str], pii: Mapping[str, str], *, masked: bool = True
) -> list[tuple[str, str]]:
    """(label, text) of each field the case holds, in declaration order."""
    out = []
    for field in fields:
        value = (pii if field.personal else details).get(field.code)
        if value:
            out.append((field.label, shown(field, value, masked=masked)))
    return out


def chosen_unit(fields: tuple[ItemField, ...], details: Mapping[str, str]) -> Choice | None:
    """The choice that names the case's handling unit (the operator paid to), when the item declares one."""
    for field in fields:
        if field.sets_unit and (found := field.choice(details.get(field.code, ""))) is not None:
            return found
    return None


def example_values(fields: tuple[ItemField, ...], rng: random.Random, *, applicant_mobile: str = "") -> dict[str, str]:
    """Plausible values for the required fields a default does not fill (practice days, samples, benchmarks)."""
    out: dict[str, str] = {}
    for field in fields:
        if not field.required or (field.default and (field.default != DEFAULT_APPLICANT_MOBILE or applicant_mobile)):
            continue
        if field.kind is FieldKind.MOBILE:
            out[field.code] = f"13{rng.randint(5, 9)}{rng.randint(0, 99_999_999):08d}"
        elif field.kind is FieldKind.ACCOUNT:
            out[field.code] = f"{rng.randint(10**9, 10**10 - 1)}"
        elif field.kind is FieldKind.CARD_TAIL:
            out[field.code] = f"{rng.randint(0, 9999):04d}"
        elif field.kind is FieldKind.YEAR:
            out[field.code] = "2026"
        elif field.kind is FieldKind.CHOICE:
            out[field.code] = field.choices[0].code
    return out
