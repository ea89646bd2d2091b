"""Material images (材料影像) on paper: one A4 page per image, under a line saying which case and material it is."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from desktop.printing.fonts import register_fonts, runs
from desktop.printing.render import AUTHOR, CREATOR, _lock

MARGIN = 36  # points: half an inch, inside every printer's unprintable edge
HEADER = 14


@dataclass(frozen=True)
class EvidencePage:
    heading: str  # 回执编号 · 事项 · 材料 (no personal data: the page itself shows what it shows)
    image: bytes  # the image as stored (WebP or JPEG)


def evidence_pdf(title: str, pages: list[EvidencePage]) -> bytes:
    """The images as an A4 PDF, each scaled to fit the page below its heading, aspect kept."""
    register_fonts()
    width, height = A4
    out = io.BytesIO()
    with _lock:
        canvas = Canvas(out, pagesize=A4, invariant=1)
        canvas.setTitle(title)
        canvas.setAuthor(AUTHOR)
        canvas.setCreator(CREATOR)
        for page in pages:
            x = MARGIN
            for font, text in runs(page.heading):
                canvas.setFont(font, 11)
                canvas.drawString(x, height - MARGIN - 11, text)
                x += canvas.stringWidth(text, font, 11)
            with Image.open(io.BytesIO(page.image)) as opened:
                picture = opened.convert("L")
            room_w, room_h = width - 2 * MARGIN, height - 2 * MARGIN - HEADER - 8
            scale = min(room_w / picture.width, room_h / picture.height)
            shown_w, shown_h = picture.width * scale, picture.height * scale
            canvas.drawImage(
                ImageReader(picture), MARGIN + (room_w - shown_w) / 2, MARGIN + (room_h - shown_h), shown_w, shown_h
            )
            canvas.showPage()
        canvas.save()
    return out.getvalue()
