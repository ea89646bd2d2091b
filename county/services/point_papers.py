"""What the bureau issues a point on paper: its 标识牌 (sign plate) and its 上墙公示 (wall poster).

- **标识牌** ``sign_pdf``: one page at the plate's real size, 600 × 400 mm landscape (the common size of a
  shop-front service plate; a print shop prints it 1:1 on KT board or aluminium). It carries the title the
  seed gives (浮梁县乡村随身办服务点), the point's name, its number (code), township and village, and a QR code
  to the point's page on the 专区 (``/ssb/p/<code>``).
- **上墙公示** ``poster_pdf``: A3 portrait, as many pages as it takes. First the items the point's township
  offers with their time limit and materials in brief, then every one of those items' flowcharts
  (county/services/guides.py ``flowchart_for``). A flowchart still a sample is printed, but marked 示例 in its
  heading, boxed with a dashed line and footnoted as not official; an approved one carries no such mark.

Both are drawn with the bundled CJK font the settlement papers register (county/services/settlement_papers.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A3
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from county.models import Point, Township
from county.services import catalogues, guides
from county.services.admin import POINT_KINDS
from county.services.settlement_papers import register_font
from sync.clock import china_today
from sync.ledger.flowcharts import SAMPLE_LABEL, SAMPLE_MARK, Flowchart

SIGN_SIZE = (600 * mm, 400 * mm)  # landscape, the plate's real size
SIGN_TITLE = "浮梁县乡村随身办服务点"
ISSUER = "浮梁县政务服务管理局"
RED = colors.HexColor("#B3202A")
INK = colors.HexColor("#1A1A1A")
GREY = colors.HexColor("#555555")
STEPS_PER_ROW = 6


@dataclass(frozen=True)
class PointFacts:
    code: str
    name: str
    kind: str  # 代办点 / 帮代办队伍 / 合作网点
    township: str
    village: str
    address: str
    hours: str


def facts(session: Session, point: Point) -> PointFacts:
    town = session.get(Township, point.township_id)
    return PointFacts(
        point.code,
        point.name,
        POINT_KINDS.get(point.kind, "代办点"),
        town.name if town else "",
        point.village,
        point.address,
        point.hours,
    )


# ---- 标识牌 ----


def _fit(text: str, font: str, width: float, largest: float) -> float:
    """The largest size up to ``largest`` at which ``text`` fits ``width``."""
    return min(largest, width / max(stringWidth(text, font, 1.0), 1.0))


def _lines(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (by character: Chinese has no spaces to break at)."""
    lines, current = [], ""
    for char in text:
        if current and stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = char
        else:
            current += char
    return [*lines, current] if current else lines


def _qr(canvas: Canvas, value: str, x: float, y: float, side: float) -> None:
    widget = QrCodeWidget(value, barLevel="M", barBorder=4)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def sign_pdf(point: PointFacts, url: str) -> bytes:
    """The 标识牌 at 600 × 400 mm: title band, the point's name, number and place, the QR code to ``url``."""
    font = register_font()
    width, height = SIGN_SIZE
    out = io.BytesIO()
    c = Canvas(out, pagesize=SIGN_SIZE)
    c.setTitle(f"标识牌 {point.code} {point.name}")
    c.setAuthor(ISSUER)
    c.setStrokeColor(RED)
    c.setLineWidth(4 * mm)
    c.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm)
    band = 95 * mm
    c.setFillColor(RED)
    c.rect(8 * mm, height - 8 * mm - band, width - 16 * mm, band, stroke=0, fill=1)
    c.setFillColor(colors.white)
    size = _fit(SIGN_TITLE, font, width - 80 * mm, 150)
    c.setFont(font, size)
    c.drawCentredString(width / 2, height - 8 * mm - band / 2 - size * 0.35, SIGN_TITLE)

    # the point: name (one or two lines), number, place, on the left; the QR code on the right
    left, text_width = 30 * mm, 360 * mm
    c.setFillColor(INK)
    size = _fit(point.name, font, text_width, 110)
    lines = [point.name]
    if size < 70:  # a long name: two lines at a readable size rather than one line too small
        size = 70
        lines = _lines(point.name, font, size, text_width)
        while len(lines) > 2:  # names run to 60 characters: smaller, never cut off
            size -= 4
            lines = _lines(point.name, font, size, text_width)
    c.setFont(font, size)
    top = height - 8 * mm - band - 30 * mm - size * 0.8
    for number, line in enumerate(lines):
        c.drawString(left, top - number * size * 1.15, line)
    y = top - (len(lines) - 1) * size * 1.15 - 40 * mm
    c.setFont(font, 64)
    c.drawString(left, y, f"编号：{point.code}")
    place = " · ".join(part for part in (point.township, point.village) if part)
    c.setFont(font, _fit(place, font, text_width, 56))
    c.drawString(left, y - 34 * mm, place)
    c.setFillColor(GREY)
    c.setFont(font, 40)
    c.drawString(left, y - 62 * mm, f"类型：{point.kind}")

    side = 165 * mm
    qx, qy = width - 30 * mm - side, 88 * mm
    _qr(c, url, qx, qy, side)
    c.setFillColor(INK)
    c.setFont(font, 40)
    c.drawCentredString(qx + side / 2, qy - 16 * mm, "扫码查看本服务点")
    c.setFillColor(GREY)
    c.setFont(font, _fit(url, font, side + 20 * mm, 20))
    c.drawCentredString(qx + side / 2, qy - 26 * mm, url)

    # the bottom line: free of charge (附件2 第九条), the hotline, who issued the plate
    c.setStrokeColor(RED)
    c.setLineWidth(1.5 * mm)
    c.line(20 * mm, 52 * mm, width - 20 * mm, 52 * mm)
    c.setFillColor(RED)
    c.setFont(font, 44)
    c.drawString(30 * mm, 24 * mm, "代办免费，不收任何费用　监督电话 12345")
    c.setFillColor(INK)
    c.setFont(font, 32)
    c.drawRightString(width - 30 * mm, 24 * mm, f"{ISSUER} 监制")
    c.showPage()
    c.save()
    return out.getvalue()


# ---- 上墙公示 ----


@dataclass(frozen=True)
class PosterItem:
    seq: int
    name: str
    time_limit: str
    materials: tuple[str, ...]
    guide_approved: bool  # the time limit and materials are the department's approved guide
    flowchart: Flowchart | None


def poster_items(session: Session, township: str) -> list[PosterItem]:
    """The items offered in ``township`` with what the poster prints of each."""
    catalogue = catalogues.catalogue(session)
    rows = []
    for item in catalogue.for_township(township).items:
        guide = guides.guide_for(session, item.code)
        flowchart = guides.flowchart_for(session, item.code)
        if guide.approved:
            materials = guide.materials
        else:
            materials = tuple(m.name for m in item.guide.materials)
        rows.append(PosterItem(item.seq, item.name, item.guide.time_limit_text, materials, guide.approved, flowchart))
    return rows


def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=30, leading=38, alignment=1, textColor=RED),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=16, leading=22, alignment=1),
        "h2": ParagraphStyle(
            "h2", fontName=font, fontSize=20, leading=28, spaceBefore=4 * mm, spaceAfter=2 * mm, keepWithNext=1
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=12, leading=16),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=12, leading=15),
        "note": ParagraphStyle("note", fontName=font, fontSize=12, leading=16, textColor=RED),
        "who": ParagraphStyle("who", fontName=font, fontSize=13, leading=16, alignment=1, textColor=RED),
        "what": ParagraphStyle("what", fontName=font, fontSize=12, leading=15, alignment=1),
        "time": ParagraphStyle("time", fontName=font, fontSize=11, leading=14, alignment=1, textColor=GREY),
        "flow": ParagraphStyle("flow", fontName=font, fontSize=15, leading=20),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FlowchartBlock(Flowable):
    """One item's flowchart: a heading, then its steps as boxes in rows of six joined by arrows."""

    GAP = 7 * mm
    PAD = 2.5 * mm

    def __init__(self, number: int, item: PosterItem, chart: Flowchart, styles: dict[str, ParagraphStyle]):
        super().__init__()
        self.item, self.chart, self.styles = item, chart, styles
        mark = f'　<font color="#B3202A">【{SAMPLE_MARK}】<font size=11>{SAMPLE_LABEL}，不是正式流程图</font></font>'
        mark = mark if chart.sample else ""
        self.heading = Paragraph(
            f"{number}. {_esc(item.name)}　<font size=12>办理时限：{_esc(chart.time_limit)}</font>{mark}",
            styles["flow"],
        )

    def _boxes(self, width: float) -> tuple[float, list[list[tuple[Paragraph, ...]]], float]:
        per_row = min(STEPS_PER_ROW, max(len(self.chart.steps), 1))
        box = (width - (STEPS_PER_ROW - 1) * self.GAP) / STEPS_PER_ROW
        inner = box - 2 * self.PAD
        cells = []
        for step in self.chart.steps:
            parts = (
                Paragraph(_esc(step.who), self.styles["who"]),
                Paragraph(_esc(step.what), self.styles["what"]),
                Paragraph(f"用时：{_esc(step.time)}", self.styles["time"]),
            )
            for part in parts:
                part.wrap(inner, 1000)
            cells.append(parts)
        rows = [cells[n : n + per_row] for n in range(0, len(cells), per_row)]
        tallest = max((sum(p.height for p in c) + 2 * self.PAD + 2 * mm for c in cells), default=10 * mm)
        return box, rows, tallest

    def wrap(self, available_width, available_height):
        self.width = available_width
        _w, self.heading_height = self.heading.wrap(available_width, available_height)
        _box, rows, tallest = self._boxes(available_width)
        self.height = self.heading_height + 2 * mm + len(rows) * (tallest + 4 * mm) + 3 * mm
        return self.width, self.height

    def draw(self):
        c = self.canv
        box, rows, tallest = self._boxes(self.width)
        y = self.height - self.heading_height
        self.heading.drawOn(c, 0, y)
        y -= 2 * mm
        c.setLineWidth(1.2)
        if self.chart.sample:
            c.setDash(4, 3)
        for row in rows:
            y -= tallest
            for column, parts in enumerate(row):
                x = column * (box + self.GAP)
                c.setStrokeColor(RED if self.chart.sample else INK)
                c.roundRect(x, y, box, tallest, 2 * mm)
                top = y + tallest - self.PAD
                for part in parts:
                    top -= part.height
                    part.drawOn(c, x + self.PAD, top)
                    top -= 1 * mm
                if column < len(row) - 1:
                    self._arrow(x + box, y + tallest / 2)
            y -= 4 * mm
        c.setDash()

    def _arrow(self, x: float, y: float) -> None:
        c = self.canv
        c.saveState()
        c.setDash()
        c.setStrokeColor(INK)
        c.setFillColor(INK)
        c.line(x + 1 * mm, y, x + self.GAP - 2.5 * mm, y)
        path = c.beginPath()
        path.moveTo(x + self.GAP - 1 * mm, y)
        path.lineTo(x + self.GAP - 3 * mm, y + 1.5 * mm)
        path.lineTo(x + self.GAP - 3 * mm, y - 1.5 * mm)
        path.close()
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


def _items_table(items: list[PosterItem], styles: dict[str, ParagraphStyle], font: str, width: float) -> Table:
    rows = [["序号", "事项", "办理时限", "要带的材料", "指南"]]
    for number, item in enumerate(items, start=1):
        rows.append(
            [
                str(number),
                Paragraph(_esc(item.name), styles["cell"]),
                Paragraph(_esc(item.time_limit), styles["cell"]),
                Paragraph(_esc("、".join(item.materials) or "不用带材料"), styles["cell"]),
                "已审定" if item.guide_approved else SAMPLE_MARK,
            ]
        )
    widths = [14 * mm, 62 * mm, 62 * mm]
    widths += [width - sum(widths) - 18 * mm, 18 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 12),
                ("FONT", (0, 0), (-1, 0), font, 13),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2E3E4")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                ("ALIGN", (-1, 0), (-1, -1), "CENTER"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def poster_pdf(point: PointFacts, items: list[PosterItem]) -> bytes:
    """The 上墙公示 at A3: the point, its items, then every item's flowchart (samples marked 示例)."""
    font = register_font()
    styles = _styles(font)
    margin = 15 * mm
    width = A3[0] - 2 * margin
    today = china_today()
    story: list = [
        Paragraph("浮梁县“乡村随身办”上墙公示", styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph(
            f"{_esc(point.name)}（{point.kind}，编号 {point.code}）　{_esc(point.township)}"
            + (f" {_esc(point.village)}" if point.village else ""),
            styles["sub"],
        ),
    ]
    if point.hours:
        story.append(Paragraph(f"营业时间：{_esc(point.hours)}", styles["sub"]))
    story += [
        Spacer(1, 3 * mm),
        Paragraph("所有事项代办免费，代办点不收任何费用。监督电话 12345。", styles["note"]),
        Paragraph(f"本点可办事项（共 {len(items)} 项）", styles["h2"]),
        _items_table(items, styles, font, width),
    ]
    samples = [item for item in items if item.flowchart is not None and item.flowchart.sample]
    if samples or any(not item.guide_approved for item in items):
        story.append(Spacer(1, 2 * mm))
        story.append(
            Paragraph(
                f"标“{SAMPLE_MARK}”的办事指南和流程图是{SAMPLE_LABEL}，不是正式文件；部门审定后按审定的印制。",
                styles["note"],
            )
        )
    story.append(Paragraph("办理流程图", styles["h2"]))
    for number, item in enumerate(items, start=1):
        if item.flowchart is None:
            story.append(
                Paragraph(f"{number}. {_esc(item.name)}：流程图还没有整理好，请向代办员咨询。", styles["body"])
            )
            continue
        story.append(FlowchartBlock(number, item, item.flowchart, styles))

    def footer(canvas: Canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 10)
        canvas.setFillColor(GREY)
        canvas.drawString(
            margin, 8 * mm, f"{ISSUER} 制　{point.name}（编号 {point.code}）上墙公示　{today.isoformat()} 印制"
        )
        canvas.drawRightString(A3[0] - margin, 8 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A3, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=16 * mm
    )
    doc.title = f"上墙公示 {point.code} {point.name}"
    doc.author = ISSUER
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
