"""Canonical serialisation gives one byte form per value and refuses values that have none."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.ledger.canonical import CanonicalError, canonical_bytes, encode_checked

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_round_trip_is_exact_and_stable(value):
    data = canonical_bytes(value)
    assert canonical_bytes(json.loads(data)) == data


def test_key_order_does_not_change_the_bytes():
    assert canonical_bytes({"b": 1, "a": [1, "二"]}) == canonical_bytes({"a": [1, "二"], "b": 1})
    assert canonical_bytes({"a": "二"}) == '{"a":"二"}'.encode()


def test_rare_characters_are_kept_byte_for_byte():
    name = "𠮷野家"
    assert json.loads(canonical_bytes({"name": name}))["name"].encode("utf-8") == name.encode("utf-8")


@pytest.mark.parametrize("bad", [1.5, math.nan, {"a": float("inf")}, {1: "x"}, 2**63, "\ud800", b"bytes"])
def test_values_without_a_canonical_form_are_refused(bad):
    with pytest.raises(CanonicalError):
        canonical_bytes(bad)


any_values = st.recursive(  # also what has no canonical form: floats, lone surrogates, deep nesting
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=40,
)


def _reference(value):
    """The definition of the canonical bytes, written with the standard library alone."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def _either(make):
    try:
        return make()
    except (CanonicalError, UnicodeEncodeError, ValueError, TypeError) as exc:
        return type(exc) if isinstance(exc, CanonicalError) else "refused"


awkward_text = st.text(st.characters(codec="utf-8") | st.sampled_from('\x00\x1f\x7f"\\\u2028\u2029\ufeff𠀀𪚥'))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | awkward_text,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(awkward_text, children, max_size=4),
        max_leaves=30,
    )
)
def test_the_bytes_are_the_reference_bytes(value):
    """The fast encoder writes exactly what json.dumps (sorted keys, no spaces, UTF-8) writes."""
    assert canonical_bytes(value) == _reference(value)
    assert encode_checked(value) == _reference(value)


@given(any_values)
def test_whatever_the_reference_refuses_is_refused(value):
    """Floats, lone surrogates, integers past 64 bits and deep nesting: refused, never written some other way."""
    got = _either(lambda: canonical_bytes(value))
    expected = _either(lambda: _reference(value))
    if got is CanonicalError:
        return  # stricter than the reference (floats, integer range, depth) is the point
    assert got == expected


@pytest.mark.parametrize("bad", ["\ud800", {"k": "\udfff"}, ["x", "\ud83d"], 1.5, 2**63, 2**64 - 1])
def test_nested_values_without_a_canonical_form_are_refused(bad):
    with pytest.raises(CanonicalError):
        canonical_bytes({"a": bad})


def test_the_depth_limit_holds_inside_an_object():
    deep: object = "x"
    for _ in range(16):
        deep = [deep]
    with pytest.raises(CanonicalError):
        canonical_bytes({"a": deep})
