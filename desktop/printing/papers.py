"""The papers we print on: A4 and A5 sheets, and continuous 80 mm and 58 mm thermal rolls."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm


@dataclass(frozen=True)
class Paper:
    """One paper size and how text sits on it. Lengths are in points (1/72 inch).

    A roll has no fixed height: the page is as long as its content. Its printable width is what the
    print head covers — 48 mm on 58 mm paper, 72 mm on 80 mm paper — which at the body size gives the
    16 or 24 Chinese characters per line that roll printers are sold by.
    """

    key: str
    label: str
    width: float
    height: float | None  # None: continuous roll, height computed from the content
    margin_x: float
    margin_top: float
    margin_bottom: float
    body: float  # body text size, pt
    title: float  # title size, pt

    @property
    def is_roll(self) -> bool:
        return self.height is None

    @property
    def printable_width(self) -> float:
        return self.width - 2 * self.margin_x

    @property
    def left(self) -> float:
        return self.margin_x

    @property
    def right(self) -> float:
        return self.width - self.margin_x

    @property
    def width_mm(self) -> float:
        return self.width / mm

    def chars_per_line(self, size: float | None = None) -> int:
        """How many full-width characters fit on one line at ``size`` (the body size by default)."""
        return int(self.printable_width / (size or self.body) + 1e-6)


A4 = Paper("a4", "A4", 210 * mm, 297 * mm, 18 * mm, 16 * mm, 16 * mm, body=11, title=20)
A5 = Paper("a5", "A5", 148 * mm, 210 * mm, 12 * mm, 10 * mm, 10 * mm, body=9.5, title=16)
# 72 mm printable = 204.1 pt = 24 characters of 8.5 pt; 48 mm = 136.1 pt = 16 characters of 8.5 pt.
ROLL80 = Paper("roll80", "80 毫米卷纸", 80 * mm, None, 4 * mm, 3 * mm, 12 * mm, body=8.5, title=12.5)
ROLL58 = Paper("roll58", "58 毫米卷纸", 58 * mm, None, 5 * mm, 3 * mm, 12 * mm, body=8.5, title=11)

PAPERS = {paper.key: paper for paper in (A4, A5, ROLL80, ROLL58)}


def paper_by_key(key: str) -> Paper:
    """A paper by its key (a4, a5, roll80, roll58); an unknown key is a programming error."""
    try:
        return PAPERS[key]
    except KeyError:
        raise ValueError(f"unknown paper {key!r}; known: {', '.join(PAPERS)}") from None
