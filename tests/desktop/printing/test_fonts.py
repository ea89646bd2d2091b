"""The bundled fonts on paper: every character drawn by a font that has it, and copied back out as itself."""

from __future__ import annotations

from desktop.printing.fonts import (
    PRIMARY,
    RARE_BMP,
    RARE_SUPPLEMENTARY,
    coverage,
    placeholder,
    printable,
    runs,
    text_width,
)
from desktop.printing.layout import Sheet
from desktop.printing.papers import A4, ROLL58
from desktop.printing.render import render_pdf
from tests.desktop.printing.pdftools import pdf_fonts, pdf_text

EXT_G = "\U00030ede"  # CJK Extension G (2020): newer than every bundled font


def test_each_character_goes_to_the_first_font_that_has_it():
    assert runs("王𠮷䶮A") == [(PRIMARY, "王"), (RARE_SUPPLEMENTARY, "𠮷"), (RARE_BMP, "䶮"), (PRIMARY, "A")]
    assert 0x20BB7 not in coverage(PRIMARY) and 0x4DAE not in coverage(PRIMARY)


def test_every_cjk_character_a_name_may_hold_up_to_extension_f_has_a_font():
    ranges = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F)]
    fonts = coverage(PRIMARY) | coverage(RARE_BMP) | coverage(RARE_SUPPLEMENTARY)
    for low, high in ranges:
        absent = [code for code in range(low, high + 1) if code not in fonts]
        assert len(absent) <= (high - low) // 100, (hex(low), len(absent))  # a handful of late additions at most


def test_zero_width_marks_are_dropped_and_unknown_characters_are_spelled_out():
    shown = printable(f"葛\U000e0100{EXT_G}面\tx")
    assert shown.text == f"葛{placeholder(EXT_G)}面 x"
    assert shown.missing == (EXT_G,)
    assert placeholder(EXT_G) == "〔U+30EDE〕"


def test_widths_add_up_across_fonts():
    assert text_width("王𠮷", 10) == text_width("王", 10) + text_width("𠮷", 10)
    assert text_width("王", 10) == 10.0


def test_rare_characters_come_back_out_of_the_pdf_with_their_fonts_embedded():
    sheet = Sheet(ROLL58, "测试")
    sheet.field("姓名", "𠮷䶮王秀英")
    sheet.text(f"新字{EXT_G}用编码代替")
    layout = sheet.finish("页脚")
    assert layout.missing == (EXT_G,)
    pdf = render_pdf(layout)
    text = pdf_text(pdf)
    assert "𠮷䶮王秀英" in text
    assert "〔U+30EDE〕" in text
    fonts = {font.name.split("+")[1]: font for font in pdf_fonts(pdf)}
    assert set(fonts) == {"WenQuanYiMicroHei-0", "HanaMinA", "HanaMinB"}
    assert all(font.embedded and font.subset and font.unicode for font in fonts.values())


def test_only_the_fonts_used_are_embedded():
    sheet = Sheet(A4, "测试")
    sheet.text("只用常用字 ABC 123")
    fonts = pdf_fonts(render_pdf(sheet.finish("页脚")))
    assert [font.name.split("+")[1] for font in fonts] == ["WenQuanYiMicroHei-0"]
