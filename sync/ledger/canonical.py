"""Canonical serialisation: the one byte form of a ledger value that both sides hash and compare."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 16
MAX_INT = 2**63 - 1


class CanonicalError(ValueError):
    """A value that has no canonical form (floats, odd keys, lone surrogates, nesting too deep)."""


def _check(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CanonicalError("nesting too deep")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -MAX_INT - 1 <= value <= MAX_INT:
            raise CanonicalError("integer out of 64-bit range")
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CanonicalError("string is not valid Unicode text") from exc
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check(item, depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError("object keys must be strings")
            _check(key, depth + 1)
            _check(item, depth + 1)
        return
    # Floats are refused on purpose: money is integer fen and every number must hash the same everywhere.
    raise CanonicalError(f"type {type(value).__name__} has no canonical form")


def canonical_bytes(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys, no spaces, no floats; equal values give equal bytes."""
    _check(value, 0)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def from_canonical(data: bytes) -> Any:
    """Parse canonical bytes back, refusing anything canonical_bytes could not have written."""
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in pairs:
            if key in result:
                raise CanonicalError(f"duplicate key {key!r}")
            result[key] = item
        return result

    def no_float(text: str) -> Any:
        raise CanonicalError("floats are not allowed")

    def no_constant(text: str) -> Any:
        raise CanonicalError(f"{text} is not allowed")

    value = json.loads(
        data.decode("utf-8"),
        object_pairs_hook=no_duplicates,
        parse_float=no_float,
        parse_constant=no_constant,
    )
    _check(value, 0)
    return value
