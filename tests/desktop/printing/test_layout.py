"""The layout engine: pages break between blocks, groups stay together, headings keep their content, rolls grow."""

from __future__ import annotations

from desktop.printing.layout import Column, Sheet
from desktop.printing.ops import Box, Layout, Page, Rule, Text
from desktop.printing.papers import A4, A5, ROLL58, ROLL80


def texts(page: Page) -> list[str]:
    return [op.text for op in page.ops if isinstance(op, Text)]


def test_long_documents_break_into_numbered_pages_inside_the_margins():
    sheet = Sheet(A5, "测试")
    for number in range(120):
        sheet.text(f"第 {number} 行：代办点帮代办的内容")
    layout = sheet.finish("页脚")
    assert len(layout.pages) > 2
    assert layout.overflows() == []
    for number, page in enumerate(layout.pages, 1):
        assert texts(page)[-1] == f"页脚　第 {number} 页，共 {len(layout.pages)} 页"
        body = [op for op in page.ops if isinstance(op, Text)][:-1]
        assert all(A5.margin_top <= op.box.y0 and op.box.y1 <= A5.height - A5.margin_bottom for op in body)


def filled(lines: int) -> Sheet:
    sheet = Sheet(A5, "测试")
    for _ in range(lines):
        sheet.text("填充行")
    return sheet


FILL = 37  # lines of A5 body text that leave room for about two more


def test_the_fill_leaves_room_for_a_line_but_not_for_four():
    one, four = filled(FILL), filled(FILL)
    one.text("再一行")
    for _ in range(4):
        four.text("再一行")
    assert len(one.finish("页脚").pages) == 1 and len(four.finish("页脚").pages) == 2


def test_a_group_moves_to_the_next_page_whole():
    sheet = filled(FILL)
    with sheet.together():
        sheet.text("本服务免费")
        sheet.signatures(["代办员签名：", "群众签名："])
    layout = sheet.finish("页脚")
    assert len(layout.pages) == 2
    assert "本服务免费" in texts(layout.pages[1]) and "代办员签名：" in texts(layout.pages[1])


def test_a_heading_is_never_left_alone_at_the_foot_of_a_page():
    alone = filled(FILL)
    alone.section("还缺的材料")
    assert len(alone.finish("页脚").pages) == 1  # the heading alone would still fit on the first page
    sheet = filled(FILL)
    sheet.section("还缺的材料")
    sheet.text("经营场所使用证明")
    layout = sheet.finish("页脚")
    last = layout.pages[-1]
    assert texts(last)[:2] == ["还缺的材料", "经营场所使用证明"]


def test_a_table_repeats_its_header_on_each_page():
    sheet = Sheet(A5, "测试")
    sheet.table([Column("事项", 4), Column("件数", 1, "right")], [[f"事项{n}", str(n)] for n in range(60)])
    layout = sheet.finish("页脚")
    assert len(layout.pages) >= 2
    assert all(texts(page)[:2] == ["事项", "件数"] for page in layout.pages)
    assert layout.overflows() == []


def test_a_roll_is_one_page_as_long_as_its_content():
    short, long = Sheet(ROLL80, "短"), Sheet(ROLL80, "长")
    short.text("一行")
    for _ in range(200):
        long.text("很多行")
    short_page, long_page = short.finish("页脚").pages[0], long.finish("页脚").pages[0]
    assert short_page.width == long_page.width == ROLL80.width
    assert short_page.height < 100 < 1000 < long_page.height
    assert max(op.box.y1 for op in long_page.ops) < long_page.height


def test_fields_pair_up_on_wide_paper_and_stack_on_narrow_rolls():
    for paper, rows in ((A4, 1), (ROLL58, 2)):
        sheet = Sheet(paper, "测试")
        sheet.fields([("服务方式", "代办点帮代办"), ("办件状态", "已登记")])
        page = sheet.finish("页脚").pages[0]
        tops = {round(op.box.y0, 2) for op in page.ops if isinstance(op, Text) and op.text in ("服务方式", "办件状态")}
        assert len(tops) == rows


def test_a_roll_prints_16_or_24_characters_a_line():
    assert ROLL58.chars_per_line() == 16 and ROLL80.chars_per_line() == 24
    for paper in (ROLL58, ROLL80):
        sheet = Sheet(paper, "测试")
        sheet.text("字" * 100)
        lines = texts(sheet.finish("页脚").pages[0])[:-1]
        assert {len(line) for line in lines[:-1]} == {paper.chars_per_line()}


def test_the_overflow_check_catches_what_leaves_the_paper():
    wide = Rule(0, A4.width, 100, 1, False, Box(0, 99.5, A4.width, 100.5))
    layout = Layout("坏", A4, (Page(A4.width, A4.height, (wide,)),))
    assert layout.overflows() and "Rule" in layout.overflows()[0]
