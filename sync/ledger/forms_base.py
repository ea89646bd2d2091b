"""Building blocks for checking event bodies: the error collector and the small field rules they share."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from sync.ledger.validation import ValidationError

T = TypeVar("T")

_ID = re.compile(r"[0-9a-f]{32}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EARLIEST_DATE, _LATEST_DATE = date(2020, 1, 1), date(2099, 12, 31)
_MAX_UNKNOWN = 20  # a hostile body with thousands of odd keys gets a short answer, not thousands of lines
_SHOWN_KEY_LEN = 40


class FormErrors(ValueError):
    """Everything wrong with one form or event at once: field key → the Chinese message to show beside it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "；".join(message.rstrip("。") for message in self.errors.values()) + "。"


class Problems:
    """Collects one message per field (the first found); ``rename`` maps body keys to the screen's keys."""

    def __init__(self, rename: Mapping[str, str] | None = None) -> None:
        self.errors: dict[str, str] = {}
        self._rename = dict(rename or {})

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(self._rename.get(key, key), message)

    def has(self, key: str) -> bool:
        return self._rename.get(key, key) in self.errors

    def check(self, key: str, rule: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Run one field rule; a ValidationError is recorded under ``key`` and None returned."""
        if self.errors and self.has(key):  # nothing recorded yet: the usual case, no lookup
            return None
        try:
            return rule(*args, **kwargs)
        except ValidationError as exc:
            self.add(key, exc.message)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


def shown(value: object) -> str:
    """A value as it may appear inside a message: short, whatever was sent."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN_KEY_LEN else text[:_SHOWN_KEY_LEN] + "…"


def take(raw: object, allowed: Iterable[str], problems: Problems, *, where: str, label: str) -> dict[str, Any]:
    """A plain copy of a mapping; keys nobody checks are refused (the county stores only what it validated)."""
    if raw is None:
        return {}
    if type(raw) is not dict and not isinstance(raw, Mapping):  # the plain dict first: the ABC check is slow
        problems.add(where, f"{label}的格式不对，这条记录不能保存。")
        return {}
    allowed = _key_set(allowed)
    if allowed.issuperset(raw):  # every key is one somebody checks: the usual case, one pass in C
        return dict(raw)
    unknown = [key for key in raw if key not in allowed]
    for key in unknown[:_MAX_UNKNOWN]:
        problems.add(shown(key), f"有一项系统不认识的内容“{shown(key)}”，不能保存；请升级软件后重试。")
    return {key: value for key, value in raw.items() if key in allowed}


def _key_set(keys: Iterable[str]) -> frozenset[str]:
    return _cached_key_set(keys) if type(keys) is tuple else frozenset(keys)


@cache
def _cached_key_set(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_id(raw: object, *, field: str, label: str) -> str:
    """A device-generated id (events.new_id): 32 lowercase hex characters."""
    if is_blank(raw):
        raise ValidationError(field, f"缺少{label}，这条记录不能保存。")
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        raise ValidationError(field, f"{label}格式不对（应为 32 位编号），这条记录不能保存。")
    return raw


def check_optional_id(raw: object, *, field: str, label: str) -> str | None:
    return None if is_blank(raw) else check_id(raw, field=field, label=label)


def check_business_date(raw: object, *, field: str = "business_date") -> str:
    """An ISO date ("2026-11-27") within 2020–2099; a date object is accepted and written out."""
    if isinstance(raw, date) and not isinstance(raw, datetime):
        raw = raw.isoformat()
    if is_blank(raw):
        raise ValidationError(field, "缺少业务日期。")
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
        raise ValidationError(field, "业务日期应写成 2026-11-27 这样。")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field, "业务日期不是真实存在的日期，请检查电脑的日期。") from None
    if not _EARLIEST_DATE <= day <= _LATEST_DATE:
        raise ValidationError(field, "业务日期不在 2020 年至 2099 年之间，请检查电脑的日期。")
    return raw


def check_choice(raw: object, choices: type[StrEnum], *, field: str, empty: str, bad: str) -> str:
    """One value of a StrEnum, returned as a plain string."""
    if is_blank(raw):
        raise ValidationError(field, empty)
    if not isinstance(raw, str) or raw not in _values(choices):
        raise ValidationError(field, bad)
    return str.__str__(raw)  # a plain str, even when handed an enum member


@cache
def _values(choices: type[StrEnum]) -> frozenset[str]:
    return frozenset(choice.value for choice in choices)


def check_int(raw: object, *, field: str, label: str, low: int, high: int, typed: bool = False) -> int:
    """A whole number in [low, high]; floats and booleans never pass. ``typed`` also reads "3" / "３"."""
    if typed and isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        if not text:
            raise ValidationError(field, f"请填写{label}。")
        if not text.isascii() or not text.isdigit():
            raise ValidationError(field, f"{label}只能填整数，例如 {low}。")
        digits = text.lstrip("0") or "0"
        if len(digits) > len(str(high)):
            raise ValidationError(field, f"{label}应在 {low} 到 {high} 之间。")
        raw = int(digits)
    if raw is None:
        raise ValidationError(field, f"请填写{label}。")
    if type(raw) is not int:
        raise ValidationError(field, f"{label}只能是整数。")
    if not low <= raw <= high:
        raise ValidationError(field, f"{label}应在 {low} 到 {high} 之间。")
    return raw
