"""The shared text rules (sync/ledger/validation.py) on every free-text field the county stores.

Names of townships, points and agents, device labels, notices, reasons and notes: control characters,
direction overrides and zero-width characters are refused with a Chinese message; line breaks are made
"\\n" and surrounding spaces dropped, as on the counter. Event bodies pushed by counters already pass the
same rules (sync/ledger/forms.py).
"""

from __future__ import annotations

from county.errors import CountyError, Refusal
from sync.ledger.validation import (
    ValidationError,
    clean_org_name,
    clean_person_name,
    clean_text,
)
from sync.wire import EnrolRequest


def _refused(exc: ValidationError) -> CountyError:
    return CountyError(Refusal.INVALID, "bad_text", exc.message)


def line(raw: str, *, field: str, label: str, max_len: int, required: bool = True) -> str:
    """One line of free text (a title, a reason, a device label)."""
    try:
        return clean_text(raw, field=field, label=label, max_len=max_len, required=required)
    except ValidationError as exc:
        raise _refused(exc) from exc


def paragraph(raw: str, *, field: str, label: str, max_len: int, required: bool = True) -> str:
    """Free text that may have line breaks (a notice's text)."""
    try:
        return clean_text(raw, field=field, label=label, max_len=max_len, multiline=True, required=required)
    except ValidationError as exc:
        raise _refused(exc) from exc


def org_name(raw: str, *, field: str, label: str, max_len: int) -> str:
    """A township's or a point's name: the rules of an organisation's name, and the column's length."""
    try:
        name = clean_org_name(raw, field=field)
    except ValidationError as exc:
        raise _refused(ValidationError(field, exc.message.replace("名称", label))) from exc
    if len(name) > max_len:
        raise CountyError(Refusal.INVALID, "bad_text", f"{label}最多 {max_len} 个字，现在有 {len(name)} 个字。")
    return name


def person_name(raw: str, *, field: str = "name", max_len: int = 40) -> str:
    """An agent's name (代办员): a person's name, rare characters kept as they are."""
    try:
        name = clean_person_name(raw, field=field)
    except ValidationError as exc:
        raise _refused(exc) from exc
    if len(name) > max_len:
        raise CountyError(Refusal.INVALID, "bad_text", f"姓名最多 {max_len} 个字，现在有 {len(name)} 个字。")
    return name


def device_texts(request: EnrolRequest) -> str:
    """The device label an enrolling counter sends (its computer's name), checked; returned as stored."""
    return line(request.device_label, field="device_label", label="设备名称", max_len=200, required=False)
