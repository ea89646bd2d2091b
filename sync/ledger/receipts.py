"""Receipt numbers (回执编号): unique per agent point, short, all digits, readable aloud over the phone.

Form: ``PPPP-YYMMDD-DSSS-C`` — the point's county number (4 digits), the business date, the device's
number within the point (1 digit) and its serial for that day (3 digits), and a Luhn check digit that
catches any single misheard digit and most swapped neighbours. Example: ``0427-261127-1015-7``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

_PATTERN = re.compile(r"^(\d{4})(\d{6})(\d)(\d{3,4})(\d)$", re.ASCII)
_SEPARATORS = re.compile(r"[\s\-—－_]")
# The layout format_receipt_no writes (a 4-digit serial never starts with 0: it would be written with 3).
_WRITTEN = re.compile(r"[0-9]{4}-[0-9]{6}-[0-9](?:[0-9]{3}|[1-9][0-9]{3})-[0-9]")


class ReceiptNoError(ValueError):
    pass


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # the Luhn value of a doubled digit
_ZERO = ord("0")
_DOUBLED_CODES = bytes(_DOUBLED[code - _ZERO] if 0 <= code - _ZERO <= 9 else 0 for code in range(256))


def luhn_digit(digits: str) -> str:
    """The digit that makes ``digits`` + it pass Luhn: the rightmost digit of ``digits`` is doubled."""
    codes = digits.encode("ascii")  # ASCII digits: code - 48 is the digit (translate keeps it one C call)
    doubled = sum(codes[::-2].translate(_DOUBLED_CODES))
    total = doubled + sum(codes[-2::-2]) - _ZERO * len(codes[-2::-2])
    return str((10 - total % 10) % 10)


@dataclass(frozen=True)
class ReceiptNo:
    point_code: str
    business_date: date
    device_no: int
    serial: int

    def __str__(self) -> str:
        day = self.business_date
        yymmdd = f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"
        serial = f"{self.serial:03d}"
        body = f"{self.point_code}{yymmdd}{self.device_no}{serial}"
        return f"{self.point_code}-{yymmdd}-{self.device_no}{serial}-{luhn_digit(body)}"


def format_receipt_no(point_code: str, business_date: date, device_no: int, serial: int) -> str:
    if not re.fullmatch(r"[0-9]{4}", point_code):
        raise ValueError("point code must be 4 digits")
    if not 1 <= device_no <= 9:
        raise ValueError("device number must be 1..9")
    if not 1 <= serial <= 9999:
        raise ValueError("serial must be 1..9999")
    return str(ReceiptNo(point_code, business_date, device_no, serial))


@lru_cache(maxsize=1024)  # the county reads each pushed number twice (the form's check, then the case book)
def parse_receipt_no(text: str) -> ReceiptNo:
    """Read a receipt number as typed or read aloud: full-width digits, spaces and dashes are fine."""
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    match = _PATTERN.match(digits)
    if not match:
        raise ReceiptNoError("回执编号应为 15 位左右的数字，例如 0427-261127-1015-6，请核对。")
    if luhn_digit(digits[:-1]) != digits[-1]:
        raise ReceiptNoError("回执编号有一位不对，请对照回执重新输入。")
    point, yymmdd, device, serial, _ = match.groups()
    try:
        day = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError as exc:
        raise ReceiptNoError("回执编号里的日期不对，请核对。") from exc
    return ReceiptNo(point, day, int(device), int(serial))


def normalize_receipt_no(text: str) -> str:
    """The number as format_receipt_no writes it; ReceiptNoError when it is not a valid one."""
    number = parse_receipt_no(text)
    if _WRITTEN.fullmatch(text):  # already written that way: str(number) gives the same text back
        return text
    return str(number)
