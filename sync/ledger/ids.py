"""Check-character algorithms for resident IDs (GB 11643) and unified social credit codes (GB 32100)."""

from __future__ import annotations

# Province-level prefixes that exist or existed (GB/T 2260), including 71 台湾 and 81/82/83 used on
# residence permits for Hong Kong, Macao and Taiwan residents. Deliberately no finer region table:
# IDs issued under county codes that were later retired must still pass (see PRODUCT.md).
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 16)]
    + [str(n) for n in range(21, 24)]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82", "83"]
)

RESIDENT_ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)
_RESIDENT_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RESIDENT_ASCII_EXCESS = ord("0") * sum(_RESIDENT_WEIGHTS)

# The 31 characters of GB 32100; I, O, Z, S and V are left out so they cannot be confused with digits.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# 登记管理部门代码: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 市场监管（工商）,
# A 中央军委改革和编制办公室, N 农业农村（村集体经济组织等）, Y 其他.
CREDIT_AUTHORITY_CODES = frozenset("123456789ANY")


def resident_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 over 17 digits; position i (from the left, 0-based) weighs 2**(17 - i) mod 11."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("resident_id_check_char needs exactly 17 ASCII digits")
    # The digits' ASCII codes stand for the digits: each is 48 too many, so the weighted sum is too by 48·Σw.
    total = sum(map(int.__mul__, first17.encode("ascii"), _RESIDENT_WEIGHTS)) - _RESIDENT_ASCII_EXCESS
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def credit_code_check_char(first17: str) -> str:
    """GB 32100 check character: weights 3**i mod 31, check = 31 - (sum mod 31), where 31 means 0."""
    if len(first17) != 17 or any(char not in _CREDIT_VALUES for char in first17):
        raise ValueError("credit_code_check_char needs 17 characters of the GB 32100 alphabet")
    total = sum(map(int.__mul__, map(_CREDIT_VALUES.__getitem__, first17), _CREDIT_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]
