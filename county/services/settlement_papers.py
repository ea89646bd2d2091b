"""A settlement on paper: the township's distribution list (发放清单) and one receipt slip (签收单) per point.

The county registers the bundled CJK font itself (the counter's printing package is not the county's to
import): WenQuanYi Micro Hei from resources/fonts, the counter's primary face. Rare characters it lacks print
as the font's blank; names in the organisation are checked at entry (county/services/texts.py).
"""

from __future__ import annotations

import io
import threading

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

import resources
from county.models import Settlement

FONT = "SSB-County-WenQuanYi"
_lock = threading.Lock()


def register_font() -> str:
    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            data = io.BytesIO(resources.path("fonts", "wqy-microhei.ttc").read_bytes())
            data.name = "wqy-microhei.ttc"
            pdfmetrics.registerFont(TTFont(FONT, data, subfontIndex=0, asciiReadable=True))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = register_font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1, spaceAfter=4 * mm),
        "body": ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=11, textColor=colors.HexColor("#444444")),
    }


def _grid(rows: list[list], widths: list[float], font: str) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 10),
                ("FONT", (0, 0), (-1, 0), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _heading(settlement: Settlement) -> str:
    return f"{settlement.quarter[:4]}年第{settlement.quarter[-1]}季度 代办点补贴（扶贫产品）"


def _footer(settlement: Settlement, styles) -> Paragraph:
    return Paragraph(
        f"第 {settlement.version} 版，已发布；每积分折合 {settlement.point_value} 元。校验值 {settlement.content_hash}",
        styles["small"],
    )


def _build(story: list) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm
    )
    doc.title = "代办点补贴"
    doc.build(story)
    return out.getvalue()


def distribution_list(settlement: Settlement, township: str, lines: list[dict]) -> bytes:
    """发放清单: each point of the township with its points and what is handed out, a column to sign."""
    styles = _styles()
    rows = [["编号", "代办点", "积分", "本季发放（元）", "待追回（元）", "暂扣原因", "领取人签字"]]
    for line in lines:
        rows.append(
            [
                line["point_code"],
                Paragraph(line["point_name"], styles["body"]),
                line["points"],
                line["payout"],
                line["owed_out"] if line["owed_out"] != "0.00" else "",
                Paragraph(line["hold_reason"] or line.get("hold_released") or "", styles["small"]),
                "",
            ]
        )
    total = sum(_cents(line["payout"]) for line in lines)
    rows.append(["", "合计", sum(line["points"] for line in lines), f"{total // 100}.{total % 100:02d}", "", "", ""])
    story = [
        Paragraph(f"{_heading(settlement)}发放清单", styles["title"]),
        Paragraph(f"乡镇：{township}", styles["body"]),
        Spacer(1, 3 * mm),
        _grid(rows, [14 * mm, 38 * mm, 16 * mm, 26 * mm, 24 * mm, 30 * mm, 26 * mm], register_font()),
        Spacer(1, 6 * mm),
        Paragraph("乡（镇）经办人：＿＿＿＿＿＿　　　日期：＿＿＿＿年＿＿月＿＿日", styles["body"]),
        Spacer(1, 4 * mm),
        _footer(settlement, styles),
    ]
    return _build(story)


def receipt_slips(settlement: Settlement, lines: list[dict]) -> bytes:
    """签收单: one page per point, for the agent to sign when the township hands the products over."""
    styles = _styles()
    story: list = []
    for number, line in enumerate(lines):
        if number:
            story.append(PageBreak())
        months = [
            [f"{m[:4]}年{int(m[5:])}月", figures["cases"], figures["raw"], figures["capped"]]
            for m, figures in line["months"].items()
        ]
        rows = [["月份", "办件数", "积分", "计入积分（每月最高1000）"], *months]
        money = [
            ["本季积分", str(line["points"])],
            ["折合金额（元）", line["gross"]],
            ["上季暂扣、本季发放（元）", line["released"]],
            ["收回奖补（元）", line["clawback"]],
            ["上季未抵扣（元）", line["owed_in"]],
            ["本季实发（元）", line["payout"]],
            ["尚欠、由乡镇追回（元）", line["owed_out"]],
        ]
        if line["hold_reason"]:
            money.append(["暂扣", Paragraph(line["hold_reason"], styles["body"])])
        if line.get("hold_released"):
            money.append(["解除暂缓", Paragraph(line["hold_released"], styles["body"])])
        story += [
            Paragraph(f"{_heading(settlement)}签收单", styles["title"]),
            Paragraph(
                f"代办点：{line['point_code']} {line['point_name']}　　乡镇：{line['township_name']}", styles["body"]
            ),
            Spacer(1, 3 * mm),
            _grid(rows, [40 * mm, 30 * mm, 30 * mm, 60 * mm], register_font()),
            Spacer(1, 4 * mm),
            _grid([["项目", "数额"], *money], [70 * mm, 90 * mm], register_font()),
            Spacer(1, 10 * mm),
            Paragraph("以上扶贫产品已如数领取。", styles["body"]),
            Spacer(1, 8 * mm),
            Paragraph("领取人（签字）：＿＿＿＿＿＿＿＿　　领取日期：＿＿＿＿年＿＿月＿＿日", styles["body"]),
            Spacer(1, 6 * mm),
            Paragraph("发放人（乡镇）：＿＿＿＿＿＿＿＿", styles["body"]),
            Spacer(1, 10 * mm),
            _footer(settlement, styles),
        ]
    return _build(story)


def _cents(text: str) -> int:
    whole, _, part = text.partition(".")
    return int(whole) * 100 + int((part + "00")[:2])
