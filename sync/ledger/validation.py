"""Input rules shared by counter and county: normalise what people type, refuse it in plain Chinese."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import NoReturn

from sync.ledger.events import china_now
from sync.ledger.ids import (
    CREDIT_AUTHORITY_CODES,
    CREDIT_CODE_ALPHABET,
    PROVINCE_PREFIXES,
    credit_code_check_char,
    resident_id_check_char,
)

_EARLIEST_BIRTH = date(1900, 1, 1)
_ID_DIGITS = re.compile(r"[0-9]*[0-9X]")
_PHONE_SEPARATORS = re.compile(r"[\s\-]")
_DIGITS = re.compile(r"[0-9]+")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LINE_BREAKS = re.compile(r"\r\n|[\r\x85\u2028\u2029]")


class ValidationError(ValueError):
    """A value the user must correct: ``field`` is the English key, ``message`` the Chinese text to show."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return self.message


def _text_arg(raw: object, field: str, label: str) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ValidationError(field, f"{label}格式不对，请重新输入。")
    return raw


# ---- resident ID (居民身份证号码, GB 11643-1999) ------------------------------------------------


@dataclass(frozen=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: date
    sex: str  # "男" / "女"


def check_resident_id(raw: str, *, today: date | None = None, field: str = "id_number") -> ResidentId:
    """Normalise (NFKC, no spaces, x → X) and check an 18-digit ID; any plausible region code passes."""
    text = unicodedata.normalize("NFKC", _text_arg(raw, field, "身份证号码"))
    number = "".join(text.split()).upper()
    if not number:
        raise ValidationError(field, "请填写身份证号码。")
    if not _ID_DIGITS.fullmatch(number):
        raise ValidationError(field, "身份证号码只能由数字组成，最后一位可以是 X，请检查是否输入了其他字母或符号。")
    if len(number) == 15 and "X" not in number:
        raise ValidationError(
            field, "这是 15 位的第一代身份证号码，请改填现在使用的 18 位身份证号码（见第二代身份证）。"
        )
    if len(number) != 18:
        raise ValidationError(field, f"身份证号码应为 18 位，现在是 {len(number)} 位，请检查是否漏输或多输。")
    if number[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(field, "身份证号码前两位（省份代码）不对，请逐位核对后重新输入。")
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            field, "身份证号码第 7–14 位的出生日期不是真实存在的日期，请逐位核对后重新输入。"
        ) from None
    if birth_date > (today or china_now().date()):
        raise ValidationError(field, "身份证号码里的出生日期晚于今天，请逐位核对后重新输入。")
    if birth_date < _EARLIEST_BIRTH:
        raise ValidationError(field, "身份证号码里的出生日期早于 1900 年，请逐位核对后重新输入。")
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError(field, "身份证号码最后一位校验码不对，请逐位核对后重新输入。")
    sex = "男" if int(number[16]) % 2 else "女"
    return ResidentId(number=number, region_code=number[:6], birth_date=birth_date, sex=sex)


def normalize_resident_id(raw: str, *, today: date | None = None, field: str = "id_number") -> str:
    return check_resident_id(raw, today=today, field=field).number


# ---- mobile number and unified social credit code ----------------------------------------------


def normalize_mobile(raw: str, *, field: str = "mobile") -> str:
    """11 digits starting 13–19; spaces, hyphens and a +86 / 0086 / 86 prefix are dropped."""
    text = unicodedata.normalize("NFKC", _text_arg(raw, field, "手机号码"))
    number = _PHONE_SEPARATORS.sub("", text)
    if not number:
        raise ValidationError(field, "请填写手机号码。")
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
            break
    else:
        if len(number) == 13 and number.startswith("86"):
            number = number[2:]
    if not _DIGITS.fullmatch(number):
        raise ValidationError(field, "手机号码只能填数字，请检查是否输入了字母或符号。")
    if len(number) != 11:
        raise ValidationError(field, f"手机号码应为 11 位，现在是 {len(number)} 位，请核对后重新输入。")
    if not _MOBILE.fullmatch(number):
        raise ValidationError(field, "手机号码应以 13 至 19 开头，请核对；固定电话请写在备注里。")
    return number


def normalize_credit_code(raw: str, *, field: str = "credit_code") -> str:
    """统一社会信用代码 (GB 32100-2015): NFKC, uppercase, no spaces; 18 characters with a valid check."""
    text = unicodedata.normalize("NFKC", _text_arg(raw, field, "统一社会信用代码"))
    code = "".join(text.split()).upper()
    if not code:
        raise ValidationError(field, "请填写统一社会信用代码。")
    if any(char not in CREDIT_CODE_ALPHABET for char in code):
        raise ValidationError(
            field,
            "统一社会信用代码只含数字和大写字母，且没有 I、O、Z、S、V，"
            "请检查是否把数字 1、0、2、5 输成了字母，或多输了符号。",
        )
    if len(code) != 18:
        raise ValidationError(field, f"统一社会信用代码应为 18 位，现在是 {len(code)} 位，请对照营业执照核对。")
    if code[0] not in CREDIT_AUTHORITY_CODES or not "1" <= code[1] <= "9":
        raise ValidationError(field, "统一社会信用代码前两位（登记管理部门和机构类别）不对，请对照证照核对。")
    if not code[2:8].isdigit():
        raise ValidationError(field, "统一社会信用代码第 3–8 位（行政区划码）应为数字，请对照证照核对。")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(field, "统一社会信用代码最后一位校验码不对，请对照证照逐位核对。")
    return code


# ---- what a payment is for: account numbers, card tails, years ---------------------------------

_ACCOUNT = re.compile(r"[0-9A-Z]{4,30}")


def normalize_account_no(raw: str, *, field: str, label: str = "户号") -> str:
    """A utility account number (户号): 4–30 digits or capital letters; spaces and hyphens dropped."""
    text = unicodedata.normalize("NFKC", _text_arg(raw, field, label))
    number = _PHONE_SEPARATORS.sub("", text).upper()
    if not number:
        raise ValidationError(field, f"请填写{label}。")
    if not _ACCOUNT.fullmatch(number):
        if len(number) < 4 or len(number) > 30:
            raise ValidationError(field, f"{label}应为 4 到 30 位，现在是 {len(number)} 位，请对照缴费单核对。")
        raise ValidationError(field, f"{label}只能有数字和字母，请对照缴费单核对。")
    return number


def normalize_card_tail(raw: str, *, field: str, label: str = "银行卡号后四位") -> str:
    """The last four digits of a bank card: exactly 4 digits (the full number is never recorded)."""
    digits = "".join(unicodedata.normalize("NFKC", _text_arg(raw, field, label)).split())
    if not digits:
        raise ValidationError(field, f"请填写{label}。")
    if not _DIGITS.fullmatch(digits) or len(digits) != 4:
        raise ValidationError(field, f"{label}应为 4 位数字，只填卡号最后四位，不要填整个卡号。")
    return digits


def check_year(raw: str, *, field: str, label: str = "年度", low: int = 2000, high: int = 2099) -> str:
    """A year as four digits, e.g. "2026" (full-width digits and a trailing 年 are accepted)."""
    text = "".join(unicodedata.normalize("NFKC", _text_arg(raw, field, label)).split()).removesuffix("年")
    if not text:
        raise ValidationError(field, f"请填写{label}。")
    if not _DIGITS.fullmatch(text) or len(text) != 4 or not low <= int(text) <= high:
        raise ValidationError(field, f"{label}应写成 4 位年份，例如 2026。")
    return text


# ---- money (integer fen, never float) ----------------------------------------------------------


def _yuan_text(fen: int) -> str:
    if fen % 1_000_000 == 0:
        return f"{fen // 1_000_000} 万元"
    yuan, cents = divmod(fen, 100)
    return f"{yuan}.{cents:02d} 元" if cents else f"{yuan} 元"


def parse_amount_fen(raw: str | int, *, field: str = "amount_fen", max_fen: int = 5_000_000_00) -> int:
    """An int is already fen; a string is yuan ("12", "12.5", "１２.５元", "¥12.50"). Returns fen."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        fen = raw
    elif isinstance(raw, str):
        text = "".join(unicodedata.normalize("NFKC", raw).split())
        text = text.removeprefix("¥").removesuffix("元")
        if not text:
            raise ValidationError(field, "请填写金额。")
        if text.startswith("-") and re.fullmatch(r"-[0-9.]+", text):
            raise ValidationError(field, "金额不能是负数，请填写实际收取的金额。")
        match = re.fullmatch(r"([0-9]*)(?:\.([0-9]*))?", text)
        if not match or not (match[1] or match[2]):
            raise ValidationError(field, "金额只能填数字（单位：元），例如 12 或 12.50。")
        whole, decimals = match[1].lstrip("0"), match[2] or ""
        if len(decimals) > 2:
            raise ValidationError(field, "金额最多填到分（小数点后两位），请核对。")
        if len(whole) > 15:
            raise ValidationError(field, f"金额不能超过 {_yuan_text(max_fen)}，请核对。")
        fen = int(whole or "0") * 100 + int(decimals.ljust(2, "0"))
    else:
        raise ValidationError(field, "金额只能填数字（单位：元），例如 12 或 12.50。")
    if fen < 0:
        raise ValidationError(field, "金额不能是负数，请填写实际收取的金额。")
    if fen == 0:
        raise ValidationError(field, "金额必须大于 0，请填写实际收取的金额。")
    if fen > max_fen:
        raise ValidationError(field, f"金额不能超过 {_yuan_text(max_fen)}，请核对。")
    return fen


# ---- names and free text -----------------------------------------------------------------------

_CJK_RANGES = (
    (0x3007, 0x3007),  # 〇
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EE5F),  # Extensions C, D, E, F, I
    (0x2F800, 0x2FA1F),  # compatibility supplement
    (0x30000, 0x323AF),  # Extensions G, H
)
_NAME_DOTS = frozenset("·•．・‧")  # middle dots of minority and foreign names, as IMEs type them
_NAME_SPACES = re.compile(r"[ \u00a0\u3000]+")
_ORG_PUNCTUATION = frozenset("（）()【】[]〔〕、，,.。－-—_&＆'’\"“”《》:：;；/／#＃+＋")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges)


_CJK = re.compile(f"[{_char_class(_CJK_RANGES)}]")
# Every character _name_char_ok accepts without looking at its neighbour: the common case, checked in one pass.
_PLAIN_NAME = re.compile(f"[{_char_class(_CJK_RANGES)} {re.escape(''.join(sorted(_NAME_DOTS)))}]+")
# Cc and the bidi controls; Cs, Co, U+FFFD and the non-characters (lone surrogates, 造字 code points, 乱码).
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{''.join(sorted(_BIDI_CONTROLS))}]")
# Format characters (Unicode category Cf, as of Unicode 15) that are not bidi controls, and the Hangul fillers:
# zero-width spaces and joiners, the byte-order mark, soft hyphens, tags. Invisible on screen and paper, they
# make "瑶里村" and "瑶\u200b里村" two villages, or a field that looks filled but is empty.
_INVISIBLE = re.compile(
    "["
    + _char_class(
        (
            (0x00AD, 0x00AD),
            (0x0600, 0x0605),
            (0x061C, 0x061C),
            (0x06DD, 0x06DD),
            (0x070F, 0x070F),
            (0x0890, 0x0891),
            (0x08E2, 0x08E2),
            (0x115F, 0x1160),
            (0x180E, 0x180E),
            (0x200B, 0x200D),
            (0x2060, 0x2064),
            (0x206A, 0x206F),
            (0x3164, 0x3164),
            (0xFEFF, 0xFEFF),
            (0xFFA0, 0xFFA0),
            (0xFFF9, 0xFFFB),
            (0x110BD, 0x110BD),
            (0x110CD, 0x110CD),
            (0x13430, 0x1343F),
            (0x1BCA0, 0x1BCA3),
            (0x1D173, 0x1D17A),
            (0xE0001, 0xE0001),
            (0xE0020, 0xE007F),
        )
    )
    + "]"
)
_UNSHOWABLE = re.compile(
    "["
    + _char_class(
        (
            (0xD800, 0xDFFF),
            (0xE000, 0xF8FF),
            (0xF0000, 0xFFFFD),
            (0x100000, 0x10FFFD),
            (0xFFFD, 0xFFFD),
            (0xFDD0, 0xFDEF),
            *((plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)),
        )
    )
    + "]"
)


def _is_cjk(char: str) -> bool:
    return _CJK.match(char) is not None


def _is_latin_letter(char: str) -> bool:
    """Latin letters, with diacritics or full-width: what pinyin and foreign names are spelled with."""
    name = unicodedata.name(char, "")
    return unicodedata.category(char).startswith("L") and name.startswith(("LATIN ", "FULLWIDTH LATIN "))


def _refuse_unshowable(text: str, field: str, label: str) -> None:
    if _CONTROL.search(text):
        raise ValidationError(field, f"{label}里有无法显示的控制字符，请删除后重试。")
    if _INVISIBLE.search(text):
        raise ValidationError(field, f"{label}里有看不见的字符（如零宽空格），请删除后重新输入。")
    if _UNSHOWABLE.search(text):
        raise ValidationError(field, f"{label}里有无法显示的字符（可能是乱码或自造字），请删除后用标准汉字重新输入。")


def _name_char_ok(char: str, previous: str, org: bool) -> bool:
    if _is_cjk(char) or _is_latin_letter(char) or char == " " or char in _NAME_DOTS:
        return True
    if 0xE0100 <= ord(char) <= 0xE01EF:  # ideographic variation selector after an ideograph
        return _is_cjk(previous)
    if unicodedata.category(char) == "Mn":  # combining accent after a Latin letter (e + ◌́)
        return _is_latin_letter(previous)
    return org and ("0" <= char <= "9" or "０" <= char <= "９" or char in _ORG_PUNCTUATION)


def _clean_name(raw: str, field: str, label: str, max_len: int, allowed: str, org: bool) -> str:
    text = _NAME_SPACES.sub(" ", _text_arg(raw, field, label).strip())
    if not text:
        raise ValidationError(field, f"请填写{label}。")
    _refuse_unshowable(text, field, label)
    if _PLAIN_NAME.fullmatch(text):  # only ideographs, spaces and dots: every character passes below
        return _name_length(text, field, label, max_len) if _CJK.search(text) else _no_letter(field, label)
    previous = ""
    for char in text:
        if not _name_char_ok(char, previous, org):
            if not org and unicodedata.category(char) == "Nd":
                raise ValidationError(field, f"{label}里不能有数字，请删除后重新输入。")
            if unicodedata.category(char)[0] in "CMZ":
                raise ValidationError(field, f"{label}里有看不见的特殊字符，请删除后重新输入。{allowed}")
            raise ValidationError(field, f"{label}里不能有“{char}”。{allowed}")
        if unicodedata.category(char) != "Mn":
            previous = char
    if not any(_is_cjk(char) or _is_latin_letter(char) for char in text):
        _no_letter(field, label)
    return _name_length(text, field, label, max_len)


def _no_letter(field: str, label: str) -> NoReturn:
    raise ValidationError(field, f"{label}里至少要有一个汉字或字母。")


def _name_length(text: str, field: str, label: str, max_len: int) -> str:
    if len(text) > max_len:
        raise ValidationError(field, f"{label}最多 {max_len} 个字，现在有 {len(text)} 个字，请核对。")
    return text


def clean_person_name(raw: str, *, field: str = "name") -> str:
    """Exact code points kept (no NFKC: rare characters must survive); inner spaces collapse to one."""
    allowed = "姓名只能包含汉字（含生僻字）、字母、空格和间隔号“·”。"
    return _clean_name(raw, field, "姓名", 50, allowed, org=False)


def clean_org_name(raw: str, *, field: str = "name") -> str:
    allowed = "名称只能包含汉字、字母、数字、空格、括号和常用标点。"
    return _clean_name(raw, field, "名称", 100, allowed, org=True)


def clean_text(
    raw: str, *, field: str, label: str, max_len: int, multiline: bool = False, required: bool = False
) -> str:
    """Free text (notes, reasons, addresses): line breaks become "\\n"; unshowable code points refused."""
    text = _text_arg(raw, field, label)
    text = _LINE_BREAKS.sub("\n", text).strip()
    if not text:
        if required:
            raise ValidationError(field, f"请填写{label}。")
        return ""
    if "\n" in text and not multiline:
        raise ValidationError(field, f"{label}只能填一行，请删除换行后重试。")
    _refuse_unshowable(text.replace("\n", ""), field, label)
    if len(text) > max_len:
        raise ValidationError(field, f"{label}最多 {max_len} 个字，现在有 {len(text)} 个字。请删减后再保存。")
    return text


# ---- masks for screens, paper and exports ------------------------------------------------------


def mask_resident_id(number: str) -> str:
    """Keep the first 4 and last 4 characters: 3602**********123X."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_mobile(number: str) -> str:
    """Keep the first 3 and last 4 digits: 138****5678."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_name(name: str) -> str:
    """Keep the first character: 张* / 欧阳**; one-character names are shown as they are."""
    return name[:1] + "*" * (len(name) - 1)


def mask_account(number: str) -> str:
    """Keep the last 4 characters: ****5678 (an account number ties a payment to a household)."""
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]
