"""Tests for the shared input rules: resident IDs, credit codes, mobiles, amounts, names, free text, masks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.ledger.validation import (
    ValidationError,
    check_resident_id,
    clean_org_name,
    clean_person_name,
    clean_text,
    mask_mobile,
    mask_name,
    mask_resident_id,
    normalize_credit_code,
    normalize_mobile,
    normalize_resident_id,
    parse_amount_fen,
)

TODAY = date(2026, 11, 27)

# Reference check characters written out from the standards' tables, independent of sync.ledger.ids.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83"
JINGDEZHEN_REGIONS = ("360222", "360221", "360201", "360202", "360203", "360211", "360281")  # current and retired
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def id_check(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def credit_check(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(
        st.one_of(
            st.sampled_from(JINGDEZHEN_REGIONS),
            st.builds(str.__add__, st.sampled_from(PROVINCES.split()), st.from_regex(r"[0-9]{4}", fullmatch=True)),
        )
    )
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + id_check(first17)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from("123456789ANY"))
    category = draw(st.sampled_from("123456789"))
    region = draw(st.one_of(st.just("360222"), st.from_regex(r"[0-9]{6}", fullmatch=True)))
    body = draw(st.text(CREDIT_ALPHABET, min_size=9, max_size=9))
    first17 = authority + category + region + body
    return first17 + credit_check(first17)


def refusal(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


# ---- resident IDs --------------------------------------------------------------------------------


@given(resident_ids())
def test_every_generated_resident_id_is_accepted_with_its_birth_date_and_sex(number: str) -> None:
    parsed = check_resident_id(number, today=TODAY)
    assert parsed.number == number and parsed.region_code == number[:6]
    assert parsed.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert parsed.sex == ("男" if int(number[16]) % 2 else "女")


@given(resident_ids(), st.sampled_from(["  {}  ", "\u3000{}", "{}\n", "{} "]), st.booleans())
def test_full_width_spaced_and_lowercase_forms_normalise_to_the_same_number(
    number: str, wrapper: str, full_width: bool
) -> None:
    typed = number.translate(FULL_WIDTH) if full_width else number.lower()
    assert normalize_resident_id(wrapper.format(typed), today=TODAY) == number


@settings(max_examples=40)
@given(resident_ids())
def test_every_single_character_substitution_is_rejected(number: str) -> None:
    for position, original in enumerate(number):
        for replacement in "0123456789X".replace(original, ""):
            typo = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(ValidationError):
                check_resident_id(typo, today=TODAY)


@given(resident_ids())
def test_every_adjacent_transposition_of_different_characters_is_rejected(number: str) -> None:
    for i in range(17):
        if number[i] != number[i + 1]:
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            with pytest.raises(ValidationError):
                check_resident_id(swapped, today=TODAY)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the example printed in GB 11643-1999
        "36022219500314109X",  # 浮梁县
        "36022119461108100X",  # retired Jingdezhen county code, issued before 1988
        "36020119371225108X",  # retired 景德镇市市辖区 style code
        "36020319821003104X",
    ],
)
def test_real_format_ids_with_an_x_check_character_pass(number: str) -> None:
    assert check_resident_id(number.lower(), today=TODAY).number == number


def with_check(first17: str) -> str:
    return first17 + id_check(first17)


BAD_IDS = {
    "future birth date": (with_check("36022220261128123"), "晚于今天"),
    "30 February": (with_check("36022219500230123"), "不是真实存在的日期"),
    "born before 1900": (with_check("36022218991231123"), "早于 1900 年"),
    "15-digit first generation": ("360222500101123", "15 位的第一代身份证"),
    "17 digits": ("36022219500314109", "应为 18 位，现在是 17 位"),
    "letter inside": ("3602221950A314109X", "只能由数字组成"),
    "wrong check digit": ("360222195003141091", "最后一位校验码不对"),
    "unknown province": (with_check("99022219500314109"), "省份代码"),
}


@pytest.mark.parametrize(("number", "expected"), BAD_IDS.values(), ids=BAD_IDS.keys())
def test_bad_ids_are_refused_with_a_reason(number: str, expected: str) -> None:
    error = refusal(check_resident_id, number, today=TODAY)
    assert expected in error.message
    assert error.field == "id_number" and str(error) == error.message


def test_each_kind_of_bad_id_gets_its_own_message() -> None:
    messages = {refusal(check_resident_id, number, today=TODAY).message for number, _ in BAD_IDS.values()}
    assert len(messages) == len(BAD_IDS)
    assert refusal(check_resident_id, "   ").message == "请填写身份证号码。"


def test_birth_date_check_uses_today_by_default_and_the_field_name_given() -> None:
    future = (date.today() + timedelta(days=2)).strftime("%Y%m%d")
    first = "360222" + future + "123"
    error = refusal(check_resident_id, first + id_check(first), field="agent_id")
    assert error.field == "agent_id" and "晚于今天" in error.message
    assert isinstance(error, ValueError)


# ---- unified social credit codes -----------------------------------------------------------------


@given(credit_codes(), st.booleans())
def test_generated_credit_codes_are_accepted_also_typed_lowercase_or_full_width(code: str, wide: bool) -> None:
    typed = code.lower() if not wide else "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert normalize_credit_code(f" {typed} ") == code


@pytest.mark.parametrize(
    "code",
    ["91360222MA35ABCDE3", "N2360222MF1234567B", "9236022200000001XE", "52360222MJ0000000B", "Y13602000000000005"],
)
def test_well_formed_credit_codes_starting_with_a_digit_or_a_letter_pass(code: str) -> None:
    assert credit_check(code[:17]) == code[17]
    assert normalize_credit_code(code) == code


@given(credit_codes(), st.integers(0, 17), st.sampled_from(CREDIT_ALPHABET))
def test_any_single_character_change_to_a_credit_code_is_rejected(code: str, position: int, char: str) -> None:
    typo = code[:position] + char + code[position + 1 :]
    if typo != code:
        with pytest.raises(ValidationError):
            normalize_credit_code(typo)


def test_credit_code_messages_tell_bad_characters_from_a_bad_check() -> None:
    bad_char = refusal(normalize_credit_code, "91360222MA35ABCDEO").message
    bad_check = refusal(normalize_credit_code, "91360222MA35ABCDE4").message
    assert "I、O、Z、S、V" in bad_char and "校验码" in bad_check
    assert "应为 18 位" in refusal(normalize_credit_code, "91360222MA35ABCDE").message
    assert "前两位" in refusal(normalize_credit_code, "B1360222MA35ABCDE3").message
    assert refusal(normalize_credit_code, "").field == "credit_code"


# ---- mobile numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "8613812345678", "１３８１２３４５６７８"],
)
def test_mobile_numbers_are_normalised_to_eleven_digits(typed: str) -> None:
    assert normalize_mobile(typed) == "13812345678"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", "请填写手机号码"),
        ("1381234567", "现在是 10 位"),
        ("138123456789", "现在是 12 位"),
        ("12812345678", "13 至 19 开头"),
        ("0798-8123456", "13 至 19 开头"),
        ("138l2345678", "只能填数字"),
    ],
)
def test_bad_mobile_numbers_are_refused_with_a_reason(typed: str, expected: str) -> None:
    assert expected in refusal(normalize_mobile, typed).message


# ---- amounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("12", 1200), ("12.5", 1250), ("12.50", 1250), ("１２.５", 1250), ("12元", 1200), (" 12.05 元 ", 1205),
     ("0.01", 1), ("¥3", 300), ("￥3.1", 310), ("5000000", 500_000_000), (1250, 1250), (1, 1)],
)  # fmt: skip
def test_amounts_in_yuan_or_integer_fen_become_fen(typed: str | int, fen: int) -> None:
    assert parse_amount_fen(typed) == fen


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("", "请填写金额"), ("-5", "负数"), (-1, "负数"), ("0", "大于 0"), ("0.00", "大于 0"), (0, "大于 0"),
     ("12.345", "小数点后两位"), ("abc", "只能填数字"), ("1e3", "只能填数字"), ("12.5.1", "只能填数字"),
     ("NaN", "只能填数字"), (".", "只能填数字"), ("5000000.01", "500 万元"), ("9" * 5000, "500 万元"),
     (500_000_001, "500 万元"), (True, "只能填数字"), (12.5, "只能填数字")],
)  # fmt: skip
def test_bad_amounts_are_refused_with_a_reason(typed: object, expected: str) -> None:
    error = refusal(parse_amount_fen, typed)
    assert expected in error.message and error.field == "amount_fen"


@given(st.integers(1, 500_000_000))
def test_every_fen_amount_written_in_yuan_parses_back_exactly(fen: int) -> None:
    assert parse_amount_fen(f"{fen // 100}.{fen % 100:02d}") == fen


def test_a_lower_ceiling_is_named_in_the_message() -> None:
    assert "200 元" in refusal(parse_amount_fen, "200.01", max_fen=20000).message


# ---- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "𠮷野家",
        "张㐀",
        "王𪚥",
        "𰻞面",
        "\uf900先生",
        "买买提·艾力",
        "阿卜杜•热合曼",
        "娜仁．其其格",
        "Anna Li",
        "José",
        "欧" * 50,
    ],
)
def test_person_names_keep_their_exact_code_points(name: str) -> None:
    cleaned = clean_person_name(f" {name}\u3000")
    assert cleaned == name and cleaned.encode("utf-8") == name.encode("utf-8")


def test_extension_b_name_survives_byte_for_byte() -> None:
    assert clean_person_name("𠮷野家") == "𠮷野家"
    assert clean_person_name("𠮷野家").encode("utf-8") == b"\xf0\xa0\xae\xb7\xe9\x87\x8e\xe5\xae\xb6"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("", "请填写姓名"), ("   ", "请填写姓名"), ("张3", "不能有数字"), ("张３", "不能有数字"), ("张😀", "不能有“😀”"),
     ("张\x00三", "控制字符"), ("李\ud800", "无法显示"), ("李\ue000", "无法显示"), ("李\u200b四", "看不见"),
     ("·", "至少要有一个"), ("欧" * 51, "最多 50 个字，现在有 51 个字")],
)  # fmt: skip
def test_bad_person_names_are_refused_with_a_reason(name: str, expected: str) -> None:
    error = refusal(clean_person_name, name)
    assert expected in error.message and error.field == "name"


def test_inner_runs_of_spaces_in_a_name_become_one() -> None:
    assert clean_person_name("Anna \u3000 Li") == "Anna Li"


def test_org_names_allow_digits_brackets_and_punctuation() -> None:
    for name in [
        "浮梁县瑶里镇某某村股份经济合作联合社",
        "景德镇市某某陶瓷有限公司（浮梁分公司）",
        "Fuliang 2号店、便民服务点(西湖)",
    ]:
        assert clean_org_name(name) == name
    assert "控制字符" in refusal(clean_org_name, "某某\x07公司").message
    assert "最多 100 个字" in refusal(clean_org_name, "村" * 101).message
    assert refusal(clean_org_name, "某某公司😀", field="org_name").field == "org_name"


# ---- free text -----------------------------------------------------------------------------------


def note(raw: str, **kwargs: object) -> str:
    return clean_text(raw, field="note", label="备注", max_len=500, **kwargs)  # type: ignore[arg-type]


def test_free_text_messages_name_the_field_and_the_limit() -> None:
    assert refusal(note, "字" * 612).message.startswith("备注最多 500 个字，现在有 612 个字。")
    assert refusal(note, "缴费\x07完成").message == "备注里有无法显示的控制字符，请删除后重试。"
    assert refusal(note, "  ", required=True).message == "请填写备注。"
    assert note("  ") == "" and note("字" * 500) == "字" * 500


def test_line_breaks_are_kept_only_in_multiline_text_and_normalised() -> None:
    assert note(" 第一行\r\n第二行\r第三行 \n", multiline=True) == "第一行\n第二行\n第三行"
    assert "只能填一行" in refusal(note, "第一行\n第二行").message


@pytest.mark.parametrize("bad", ["a\tb", "a\x85b\x9f", "a\ud800b", "a\ufffdb", "a\u202eb", "a\x7fb"])
def test_controls_surrogates_and_replacement_characters_are_refused(bad: str) -> None:
    assert "无法显示" in refusal(note, bad, multiline=True).message


def test_free_text_keeps_rare_characters_and_emoji() -> None:
    assert note("地址：浮梁县𠮷村 3 号 👍") == "地址：浮梁县𠮷村 3 号 👍"


# ---- masks ---------------------------------------------------------------------------------------


def test_masks_keep_only_the_agreed_characters() -> None:
    assert mask_resident_id("36022219500314109X") == "3602**********109X"
    assert len(mask_resident_id("36022219500314109X")) == 18
    assert mask_mobile("13812345678") == "138****5678"
    assert [mask_name(n) for n in ["张三", "欧阳修文", "张", "𠮷野家", ""]] == ["张*", "欧***", "张", "𠮷**", ""]
