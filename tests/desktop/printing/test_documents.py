"""Every document on every paper, from a real ledger: real text in embedded fonts, masked, inside the printable width."""

from __future__ import annotations

import pytest

from desktop.printing.documents import DOCUMENTS, layout_of, pdf_of
from desktop.printing.ops import Barcode, Qr, Text
from desktop.printing.papers import PAPERS
from desktop.printing.render import render_pdf
from tests.desktop.printing.conftest import SAMPLE_SECRETS
from tests.desktop.printing.pdftools import inflated, pdf_fonts, pdf_pages, pdf_text, png_pages

# Text each document must carry, read back from the PDF (spaces removed: pdftotext -layout pads columns).
EXPECTED = {
    "receipt": [
        "代办收件回执",
        "0427-261127-1001-7",
        "本回执仅证明代办点已收到以下材料",
        "不代表部门已受理",
        "个体工商户设立登记",
        "3602**********1237",
        "139****2345",
        "经营场所使用证明",
        "县市监局",
        "12345",
        "查询码",
        "代办服务不收取任何费用",
        "代办员签名",
        "群众签名",
        "瑶里镇瑶里村便民代办点",
        "李春华",
    ],
    "mailing-slip": [
        "免费寄递交接单",
        "EA607183256CN",
        "免费寄递",
        "县市监局",
        "2件",
        "0427-261127-1001-7",
        "代办员签名",
        "邮政营业员签名",
    ],
    "day-sheet": [
        "日结单",
        "缴纳电费",
        "86.50元",
        "136.50元",
        "代办点3件",
        "上户1件",
        "活动日1件",
        "作废办件（1笔）",
        "话费金额录成500元",
        "没有同步到县里",
        "代办员签名",
        "5/1000分",
    ],
    "guide": [
        "办事指南",
        "个体工商户设立登记",
        "原件1份",
        "原件及复印件1份",
        "办理步骤",
        "示例：以县直部门提供的办事指南为准",
        "县市监局",
        "12345",
    ],
    "notice": ["一次性告知单", "0427-261127-1001-7", "经营场所使用证明", "复印件1份", "全部材料", "群众签名"],
    "handover": ["交接清单", "县里的说明", "在本点的群众材料", "未妥投的寄递", "乡镇接收人签名"],
    "pickup-slip": [
        "部门回寄领取单",
        "户外广告设置审批决定书1份",
        "县城管局",
        "领取日期2026年11月27日",
        "家属代领：程**",
        "领取人签名",
        "代办员签名",
    ],
}
CASES = [(key, paper) for key in DOCUMENTS for paper in PAPERS]


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(("key", "paper_key"), CASES)
def test_every_document_prints_real_text_in_embedded_fonts(sample_ledger, tmp_path, key, paper_key):
    pdf = pdf_of(sample_ledger.documents[key], PAPERS[paper_key])
    text = squeeze(pdf_text(pdf))
    missing = [phrase for phrase in EXPECTED[key] if squeeze(phrase) not in text]
    assert not missing, f"{key} on {paper_key} lacks {missing}"
    fonts = pdf_fonts(pdf)
    assert fonts and all(font.embedded and font.subset and font.unicode for font in fonts), fonts
    assert any("WenQuanYi" in font.name for font in fonts)
    pages = png_pages(pdf, tmp_path)
    assert len(pages) == pdf_pages(pdf) >= 1
    assert all(page.stat().st_size > 2000 for page in pages)


@pytest.mark.parametrize(("key", "paper_key"), CASES)
def test_nothing_runs_past_the_printable_width(sample_ledger, key, paper_key):
    paper = PAPERS[paper_key]
    layout = layout_of(sample_ledger.documents[key], paper)
    assert layout.overflows() == []
    for _number, op in layout.boxes():
        assert paper.left - 0.01 <= op.box.x0 <= op.box.x1 <= paper.right + 0.01, op
    assert any(isinstance(op, Text) for _n, op in layout.boxes())
    if paper.is_roll:
        assert len(layout.pages) == 1  # a roll is one continuous page as long as its content
        page = layout.pages[0]
        assert page.height == pytest.approx(max(op.box.y1 for op in page.ops) + paper.margin_bottom, abs=paper.body * 2)
    assert not layout.missing


@pytest.mark.parametrize(("key", "paper_key"), CASES)
def test_no_full_id_or_phone_anywhere_in_the_pdf(sample_ledger, key, paper_key):
    data = sample_ledger.documents[key]
    paper = PAPERS[paper_key]
    readable = render_pdf(layout_of(data, paper), compress=False)
    compressed = pdf_of(data, paper)
    haystacks = [readable, inflated(compressed), pdf_text(compressed).encode("utf-8"), repr(data).encode("utf-8")]
    for secret in SAMPLE_SECRETS:
        assert all(secret.encode() not in hay for hay in haystacks), f"{secret} leaked in {key} on {paper_key}"


def test_digits_are_readable_in_an_uncompressed_build_so_the_leak_check_can_see_them(sample_ledger):
    readable = render_pdf(layout_of(sample_ledger.documents["receipt"], PAPERS["a4"]), compress=False)
    assert b"0427-261127-1001-7" in readable  # ASCII digits are written as themselves
    assert b"1237" in readable and b"2345" in readable  # the masked values' visible ends


def test_codes_sit_inside_the_roll(sample_ledger):
    receipt = layout_of(sample_ledger.documents["receipt"], PAPERS["roll58"])
    slip = layout_of(sample_ledger.documents["mailing-slip"], PAPERS["roll58"])
    assert [op for _n, op in receipt.boxes() if isinstance(op, Qr)]
    (barcode,) = [op for _n, op in slip.boxes() if isinstance(op, Barcode)]
    assert barcode.bar_width >= 0.25 * 72 / 25.4  # at least 0.25 mm per module: scannable on a 203 dpi head
    quiet = 10 * barcode.bar_width
    assert barcode.box.x0 - quiet >= PAPERS["roll58"].left - 0.01
    assert barcode.box.x1 + quiet <= PAPERS["roll58"].right + 0.01


def test_the_same_data_gives_the_same_bytes(sample_ledger):
    data = sample_ledger.documents["receipt"]
    assert pdf_of(data, PAPERS["roll80"]) == pdf_of(data, PAPERS["roll80"])
