"""Canonical serialisation: the one byte form of a ledger value that both sides hash and compare."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

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
    """The bytes of a value _check passed. orjson writes the reference's bytes (a property test holds it to
    that) several times faster; anything it refuses goes to the reference, which refuses it the same way."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return _encode_reference(value)


def _encode_reference(value: Any) -> bytes:
    """The definition: what json.dumps writes with sorted keys, no spaces and UTF-8 text, encoded as UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate in a key or a string
        raise CanonicalError("string is not valid Unicode text") from exc


def canonical_bytes(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys, no spaces, no floats; equal values give equal bytes."""
    _check(value, 0)
    return _encode(value)


def encode_checked(value: Any) -> bytes:
    """The canonical bytes of a value canonical_bytes has already accepted, whole or as part of a larger one."""
    return _encode(value)
