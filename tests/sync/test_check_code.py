"""The receipt check code: an HMAC of the receipt number under the point's key, that the county can verify."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from desktop.printing.settings import DEFAULT_QUERY_URL_BASE, PrintSettings
from sync.ledger.check_code import (
    ALPHABET,
    check_code,
    derive_point_key,
    normalize_code,
    query_url,
    verify_check_code,
)

KEY = bytes.fromhex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
RECEIPT = "0427-261127-1001-7"


def test_the_code_is_six_unambiguous_characters_and_stable():
    code = check_code(RECEIPT, KEY)
    assert len(code) == 6 and set(code) <= set(ALPHABET)
    assert not set("ILOU") & set(code)
    assert check_code(RECEIPT, KEY) == code
    assert check_code("042726112710017", KEY) == code  # any typed form of the same number


def test_the_scheme_as_documented_can_be_recomputed_without_this_module():
    mac = hmac.new(KEY, b"ssb-receipt-check/v1\x00" + RECEIPT.encode(), hashlib.sha256).digest()
    value = int.from_bytes(mac[:4], "big") >> 2
    expected = "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(value >> shift) & 31] for shift in (25, 20, 15, 10, 5, 0))
    assert check_code(RECEIPT, KEY) == expected


def test_verification_accepts_the_code_as_read_and_refuses_others():
    code = check_code(RECEIPT, KEY)
    assert verify_check_code(RECEIPT, code, KEY)
    assert verify_check_code(RECEIPT, f" {code[:3].lower()}-{code[3:]} ", KEY)
    assert not verify_check_code(RECEIPT, code, bytes(32))
    assert not verify_check_code("0427-261127-1002-5", code, KEY)
    assert not verify_check_code("0427-261127-1001-8", code, KEY)  # not a receipt number at all
    assert normalize_code("o1l-iZ") == "0111Z"


def test_a_different_point_key_gives_different_codes():
    key_a, key_b = derive_point_key(KEY, "0427"), derive_point_key(KEY, "0428")
    assert key_a != key_b and len(key_a) == 32
    assert check_code(RECEIPT, key_a) != check_code(RECEIPT, key_b)


def test_short_keys_and_bad_numbers_are_refused():
    with pytest.raises(ValueError):
        check_code(RECEIPT, b"short")
    with pytest.raises(ValueError):
        check_code("0427-261127-1001-8", KEY)  # Luhn digit wrong


def test_the_query_address_carries_only_the_number_and_the_code():
    url = query_url(DEFAULT_QUERY_URL_BASE, RECEIPT, "ABC123")
    assert url == "https://zwfw.fuliang.gov.cn/ssb/q?r=042726112710017&c=ABC123"
    assert query_url("https://example.gov.cn/q?v=2", RECEIPT, "ABC123").endswith("?v=2&r=042726112710017&c=ABC123")
    with pytest.raises(ValueError):
        query_url("zwfw.fuliang.gov.cn/q", RECEIPT, "ABC123")


def test_settings_come_from_stored_values_with_defaults():
    settings = PrintSettings.from_values({"other": "x", "printing.query_url_base": ""}, check_key=KEY)
    assert (settings.query_url_base, settings.check_key, settings.training) == (DEFAULT_QUERY_URL_BASE, KEY, False)
    moved = PrintSettings.from_values({"printing.query_url_base": "https://ssb.example.gov.cn/q"})
    assert moved.query_url_base == "https://ssb.example.gov.cn/q" and moved.check_key is None
