"""Canonical serialisation: the one byte form of a ledger value that both sides hash and compare."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) writes a string with
from typing import Any

MAX_DEPTH = 16
MAX_INT = 2**63 - 1


class CanonicalError(ValueError):
    """A value that has no canonical form (floats, odd keys, lone surrogates, nesting too deep)."""


def _check(value: Any, depth: int) -> None:
    """Refuse what has no canonical form. Strings are checked for lone surrogates by the final UTF-8 encode."""
    if depth > MAX_DEPTH:
        raise CanonicalError("nesting too deep")
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return
    if kind is int or isinstance(value, int):
        if not -MAX_INT - 1 <= value <= MAX_INT:
            raise CanonicalError("integer out of 64-bit range")
        return
    if kind is dict or isinstance(value, Mapping):
        for key, item in value.items():
            if type(key) is not str and not isinstance(key, str):
                raise CanonicalError("object keys must be strings")
            if depth >= MAX_DEPTH:
                raise CanonicalError("nesting too deep")
            if type(item) is not str:
                _check(item, depth + 1)
        return
    if kind is list or kind is tuple or isinstance(value, (list, tuple)):
        for item in value:
            if type(item) is not str or depth >= MAX_DEPTH:
                _check(item, depth + 1)
        return
    if isinstance(value, str):
        return
    # Floats are refused on purpose: money is integer fen and every number must hash the same everywhere.
    raise CanonicalError(f"type {kind.__name__} has no canonical form")


def _encode(value: Any) -> bytes:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate in a key or a string
        raise CanonicalError("string is not valid Unicode text") from exc


def canonical_bytes(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys, no spaces, no floats; equal values give equal bytes."""
    _check(value, 0)
    return _encode(value)


def canonical_member(value: Any, depth: int) -> bytes:
    """The canonical bytes of ``value`` as a member at ``depth`` of an object (checked as canonical_bytes would)."""
    if type(value) is str:
        return _encode_str(value)
    if type(value) is int and -MAX_INT - 1 <= value <= MAX_INT:
        return int.__repr__(value).encode("ascii")  # as json.dumps writes an int
    _check(value, depth)
    return _encode(value)


def _encode_str(text: str) -> bytes:
    try:
        return encode_basestring(text).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalError("string is not valid Unicode text") from exc


def canonical_join(members: Mapping[str, bytes]) -> bytes:
    """The canonical bytes of an object whose members are given as canonical bytes (canonical_member, depth 1).

    Equal to canonical_bytes of the object itself: json.dumps writes a nested value exactly as on its own,
    and sorts the keys the same way.
    """
    return b"{" + b",".join([_member_key(key) + value for key, value in sorted(members.items())]) + b"}"


@cache
def _member_key(key: str) -> bytes:
    return _encode_str(key) + b":"


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
    _encode(value)  # a lone surrogate can arrive as an escape (\ud800)
    return value
