"""Chinese line breaking: between any two ideographs, never inside a number or word, never with punctuation astray."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from desktop.printing.fonts import text_width
from desktop.printing.linebreak import NO_LINE_END, NO_LINE_START, tokens, wrap

SIZE = 8.5
LINE_58 = 16 * SIZE  # 16 full-width characters: the 58 mm roll


def test_ideographs_break_anywhere_and_fill_the_line():
    lines = wrap("本回执仅证明代办点已收到以下材料不代表部门已受理", LINE_58, SIZE)
    assert lines == ["本回执仅证明代办点已收到以下材料", "不代表部门已受理"]


def test_no_line_starts_with_closing_punctuation():
    text = "一二三四五六七八九十一二三四五六，七八。"  # the comma would be the 17th character
    lines = wrap(text, LINE_58, SIZE)
    assert lines[0] == "一二三四五六七八九十一二三四五"
    assert lines[1].startswith("六，")


def test_no_line_ends_with_opening_punctuation():
    lines = wrap("一二三四五六七八九十一二三四五（六七）", LINE_58, SIZE)
    assert not lines[0].endswith("（")
    assert lines[1].startswith("（六")


def test_numbers_and_words_stay_whole_with_their_unit():
    def whole(piece: str, text: str) -> bool:
        return any(piece in token for token in tokens(text))

    assert whole("86.50 元，", "金额 86.50 元，共 2 件")
    assert whole("0427-261127-1001-7", "回执编号0427-261127-1001-7")
    assert whole("共 2 件", "合计共 2 件")
    assert whole("3个", "3个工作日")
    lines = wrap("请于2026年11月27日前补交材料", 8 * SIZE, SIZE)
    assert all(not line.startswith(("年", "月", "日")) for line in lines)


def test_a_piece_longer_than_the_line_is_cut_and_nothing_is_lost():
    url = "https://zwfw.fuliang.gov.cn/ssb/q?r=042726112710017&c=JRW3NT"
    lines = wrap(url, LINE_58, SIZE)
    assert len(lines) > 1 and "".join(lines) == url
    assert all(text_width(line, SIZE) <= LINE_58 for line in lines)


def test_hard_breaks_and_empty_text():
    assert wrap("第一行\n第二行", LINE_58, SIZE) == ["第一行", "第二行"]
    assert wrap("", LINE_58, SIZE) == [""]


def test_spaces_at_a_break_are_dropped():
    lines = wrap("abc " * 12, 10 * SIZE, SIZE)
    assert all(line == line.strip() for line in lines)


_ALPHABET = st.sampled_from(list("王秀英代办点回执材料，。、；：！？（）《》“”") + list("abcXYZ0123456789.- "))


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=120), st.integers(min_value=6, max_value=30))
def test_wrapping_keeps_every_character_and_every_rule(text, chars):
    width = chars * SIZE
    lines = wrap(text, width, SIZE)
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert all(text_width(line, SIZE) <= width + 1e-6 for line in lines)
    assume(all(text_width(piece, SIZE) <= width for piece in tokens(text)))
    # An opening mark followed by a space opens nothing; a run of them ("00““ “““") cannot always be kept off
    # a line's end by breaking elsewhere, so the rule is asked of text where every opening mark opens something.
    assume(not any(char in NO_LINE_END and nxt.isspace() for char, nxt in zip(text, text[1:])))
    for before, after in zip(lines, lines[1:]):
        if after:
            assert after[0] not in NO_LINE_START, (before, after)
        if before:
            assert before[-1] not in NO_LINE_END, (before, after)
