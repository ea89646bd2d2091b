"""Receipt numbers read back exactly and catch misheard or swapped digits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.ledger.receipts import ReceiptNoError, format_receipt_no, luhn_digit, normalize_receipt_no, parse_receipt_no


def test_format_is_digit_groups_with_a_check_digit():
    number = format_receipt_no("0427", date(2026, 11, 27), 1, 15)
    assert number.startswith("0427-261127-1015-")
    assert len(number.replace("-", "")) == 15


def test_typed_with_fullwidth_digits_and_spaces_it_still_reads():
    number = format_receipt_no("0427", date(2026, 11, 27), 1, 15)
    typed = number.replace("-", " ").translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    parsed = parse_receipt_no(typed)
    assert (parsed.point_code, parsed.business_date, parsed.device_no, parsed.serial) == (
        "0427",
        date(2026, 11, 27),
        1,
        15,
    )


receipts = st.builds(
    format_receipt_no,
    st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.dates(date(2024, 1, 1), date(2099, 12, 31)),
    st.integers(1, 9),
    st.integers(1, 999),
)


@given(receipts, st.data())
def test_any_single_wrong_digit_is_caught(number, data):
    digits = number.replace("-", "")
    i = data.draw(st.integers(0, len(digits) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[i]]))
    with pytest.raises(ReceiptNoError):
        parse_receipt_no(digits[:i] + wrong + digits[i + 1 :])


@given(receipts)
def test_round_trip(number):
    assert str(parse_receipt_no(number)) == number


def test_garbage_gets_a_plain_message():
    with pytest.raises(ReceiptNoError, match="回执编号"):
        parse_receipt_no("ABC")


def _normal_or_refused(text):
    try:
        return str(parse_receipt_no(text))
    except ReceiptNoError:
        return ReceiptNoError


def _normalized_or_refused(text):
    try:
        return normalize_receipt_no(text)
    except ReceiptNoError:
        return ReceiptNoError


written_like = st.one_of(
    receipts,  # valid, as written
    st.builds(
        format_receipt_no,
        st.from_regex(r"[0-9]{4}", fullmatch=True),
        st.dates(date(2024, 1, 1), date(2099, 12, 31)),
        st.integers(1, 9),
        st.integers(1000, 9999),
    ),
    st.from_regex(r"[0-9]{4}-[0-9]{6}-[0-9]{4,5}-[0-9]", fullmatch=True),  # any digits in the layout: mostly refused
    st.from_regex(r"[0-9０-９]{4}[-－ ]?[0-9]{6}[- ]?[0-9]{4,5}[-—]?[0-9]\s?", fullmatch=True),  # as typed
)


@given(written_like)
def test_normalizing_gives_what_formatting_the_parsed_number_gives(text):
    """The short path for numbers already written out agrees with parse-then-format, refusals included."""
    assert _normalized_or_refused(text) == _normal_or_refused(text)


@given(receipts)
def test_four_digit_serials_with_a_leading_zero_are_rewritten(number):
    point, day, device_serial, _check = number.split("-")
    digits = f"{point}{day}{device_serial[0]}0{device_serial[1:]}"  # serial 015 written as 0015
    padded = f"{point}-{day}-{device_serial[0]}0{device_serial[1:]}-{luhn_digit(digits)}"
    assert parse_receipt_no(padded) == parse_receipt_no(number)
    assert normalize_receipt_no(padded) == number
