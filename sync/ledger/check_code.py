"""The receipt's check code (查询校验码): an HMAC of the receipt number under the point's county-issued key.

The QR code on a receipt carries only the receipt number and this code, so the county's public page can
show a case's status to whoever holds the paper, while receipt numbers — which are sequential and easy to
guess — cannot be tried one after another. The county verifies the code with the same key.

Scheme (version 1), written so that the county can implement it without this module:

- key: at least 16 random bytes per agent point, issued by the county when the point is enrolled. The
  county need not store it: ``derive_point_key`` makes it from a county master secret and the 4-digit
  point code, ``HMAC-SHA256(master, "ssb-point-key/v1" 0x00 point_code)``.
- message: ``"ssb-receipt-check/v1" 0x00`` followed by the receipt number in its canonical form
  ``PPPP-YYMMDD-DSSS-C`` (ASCII).
- code: the first 30 bits of ``HMAC-SHA256(key, message)`` (big-endian), written as 6 characters of
  Crockford's base 32 (``0-9 A-Z`` without I, L, O, U), most significant first.
- reading a code back: case-insensitive; spaces and dashes ignored; O is read as 0, I and L as 1.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from urllib.parse import urlencode, urlsplit, urlunsplit

from sync.ledger.receipts import ReceiptNoError, parse_receipt_no

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_LENGTH = 6
MIN_KEY_BYTES = 16
_MESSAGE_PREFIX = b"ssb-receipt-check/v1\x00"
_POINT_KEY_PREFIX = b"ssb-point-key/v1\x00"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _checked_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the check-code key must be at least {MIN_KEY_BYTES} bytes")
    return key


def check_code(receipt_no: str, key: bytes) -> str:
    """The 6-character check code of a receipt number (any typed form of it) under ``key``."""
    canonical = str(parse_receipt_no(receipt_no))
    mac = hmac.new(_checked_key(key), _MESSAGE_PREFIX + canonical.encode("ascii"), hashlib.sha256).digest()
    value = int.from_bytes(mac[:4], "big") >> 2  # the first 30 bits
    return "".join(ALPHABET[(value >> shift) & 31] for shift in range(25, -1, -5))


def normalize_code(text: str) -> str:
    """A check code as someone typed or read it, in the printed form."""
    plain = "".join(unicodedata.normalize("NFKC", text).split()).replace("-", "").upper()
    return plain.translate(_READ_AS)


def verify_check_code(receipt_no: str, code: str, key: bytes) -> bool:
    """True when ``code`` belongs to ``receipt_no`` under ``key`` (compared in constant time).

    A receipt number that is not one (wrong length, wrong check digit) is simply not verified.
    """
    try:
        expected = check_code(receipt_no, key)
    except ReceiptNoError:
        return False
    return hmac.compare_digest(expected, normalize_code(code))


def derive_point_key(master: bytes, point_code: str) -> bytes:
    """One point's key from the county's master secret, so the county can verify without a key table."""
    if len(point_code) != 4 or not point_code.isdigit():
        raise ValueError("point code must be 4 digits")
    return hmac.new(_checked_key(master), _POINT_KEY_PREFIX + point_code.encode("ascii"), hashlib.sha256).digest()


def query_url(base: str, receipt_no: str, code: str) -> str:
    """The public query address: ``base`` with ``r`` (the receipt number's digits) and ``c`` (the code)."""
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"query address must be an http(s) URL, got {base!r}")
    digits = "".join(char for char in str(parse_receipt_no(receipt_no)) if char.isdigit())
    query = "&".join(part for part in (parts.query, urlencode({"r": digits, "c": code})) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
