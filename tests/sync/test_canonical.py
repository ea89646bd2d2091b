"""Canonical serialisation gives one byte form per value and refuses values that have none."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.ledger.canonical import CanonicalError, canonical_bytes, canonical_join, canonical_member, from_canonical

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_round_trip_is_exact_and_stable(value):
    data = canonical_bytes(value)
    assert canonical_bytes(from_canonical(data)) == data


def test_key_order_does_not_change_the_bytes():
    assert canonical_bytes({"b": 1, "a": [1, "二"]}) == canonical_bytes({"a": [1, "二"], "b": 1})
    assert canonical_bytes({"a": "二"}) == '{"a":"二"}'.encode("utf-8")


def test_rare_characters_are_kept_byte_for_byte():
    name = "𠮷野家"
    assert from_canonical(canonical_bytes({"name": name}))["name"].encode("utf-8") == name.encode("utf-8")


@pytest.mark.parametrize("bad", [1.5, math.nan, {"a": float("inf")}, {1: "x"}, 2**63, "\ud800", b"bytes"])
def test_values_without_a_canonical_form_are_refused(bad):
    with pytest.raises(CanonicalError):
        canonical_bytes(bad)


@pytest.mark.parametrize("raw", [b'{"a":1,"a":2}', b'{"a":1.0}', b'{"a":NaN}', b"[" * 40 + b"]" * 40])
def test_parsing_refuses_what_could_not_have_been_written(raw):
    with pytest.raises(CanonicalError):
        from_canonical(raw)


any_values = st.recursive(  # also what has no canonical form: floats, lone surrogates, deep nesting
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=40,
)


def _either(make):
    try:
        return make()
    except CanonicalError:
        return CanonicalError


@given(st.dictionaries(st.text(max_size=6), any_values, min_size=1, max_size=5))
def test_joined_members_equal_the_whole_object(members):
    whole = _either(lambda: canonical_bytes(members))
    joined = _either(lambda: canonical_join({key: canonical_member(value, 1) for key, value in members.items()}))
    assert joined == whole


@pytest.mark.parametrize("bad", ["\ud800", {"k": "\udfff"}, ["x", "\ud83d"], 1.5, 2**63])
def test_joined_members_refuse_what_the_whole_object_refuses(bad):
    with pytest.raises(CanonicalError):
        canonical_bytes({"a": bad})
    with pytest.raises(CanonicalError):
        canonical_join({"a": canonical_member(bad, 1)})


def test_joined_members_keep_the_depth_limit():
    deep: object = "x"
    for _ in range(16):
        deep = [deep]
    with pytest.raises(CanonicalError):
        canonical_bytes({"a": deep})
    with pytest.raises(CanonicalError):
        canonical_join({"a": canonical_member(deep, 1)})
