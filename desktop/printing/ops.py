"""What a laid-out page holds: positioned text, rules, frames, QR codes and barcodes, each with the box it covers."""

from __future__ import annotations

from dataclasses import dataclass, replace

from desktop.printing.papers import Paper


@dataclass(frozen=True)
class Box:
    """An extent on the page in points, measured from the left edge and down from the top edge."""

    x0: float
    y0: float
    x1: float
    y1: float

    def moved(self, dy: float) -> Box:
        return Box(self.x0, self.y0 + dy, self.x1, self.y1 + dy)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Text:
    """One line of printable text starting at ``x`` on ``baseline``; ``box`` is its ink extent."""

    x: float
    baseline: float
    text: str
    size: float
    bold: bool
    box: Box

    def moved(self, dy: float) -> Text:
        return Text(self.x, self.baseline + dy, self.text, self.size, self.bold, self.box.moved(dy))


@dataclass(frozen=True)
class Rule:
    """A horizontal line; ``box`` covers its stroke."""

    x0: float
    x1: float
    y: float
    width: float
    dashed: bool
    box: Box

    def moved(self, dy: float) -> Rule:
        return replace(self, y=self.y + dy, box=self.box.moved(dy))


@dataclass(frozen=True)
class Frame:
    """A rectangle outline; ``box`` is its outer edge, stroke included."""

    box: Box
    width: float

    def moved(self, dy: float) -> Frame:
        return replace(self, box=self.box.moved(dy))


@dataclass(frozen=True)
class Qr:
    """A QR code filling ``box`` (a square, its quiet zone included)."""

    value: str
    box: Box

    def moved(self, dy: float) -> Qr:
        return replace(self, box=self.box.moved(dy))


@dataclass(frozen=True)
class Barcode:
    """A Code 128 barcode: bars of ``bar_width`` points inside ``box``, quiet zones outside the box."""

    value: str
    bar_width: float
    box: Box

    def moved(self, dy: float) -> Barcode:
        return replace(self, box=self.box.moved(dy))


Op = Text | Rule | Frame | Qr | Barcode


@dataclass(frozen=True)
class Block:
    """Ops positioned from the block's own top edge, and the height the block takes."""

    ops: tuple[Op, ...]
    height: float

    def moved(self, dy: float) -> tuple[Op, ...]:
        return tuple(op.moved(dy) for op in self.ops)


def stack(blocks: list[Block]) -> Block:
    """Blocks one under another, as one block."""
    ops: list[Op] = []
    top = 0.0
    for block in blocks:
        ops.extend(block.moved(top))
        top += block.height
    return Block(tuple(ops), top)


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    ops: tuple[Op, ...]


@dataclass(frozen=True)
class Layout:
    """A document laid out on one paper: its pages, and the characters printed as code points instead."""

    title: str
    paper: Paper
    pages: tuple[Page, ...]
    missing: tuple[str, ...] = ()

    def boxes(self) -> list[tuple[int, Op]]:
        """Every op with its page number (from 1): what the width checks look at."""
        return [(number, op) for number, page in enumerate(self.pages, 1) for op in page.ops]

    def text(self) -> str:
        """All printed text in page order, one line per text op (for tests and for logs)."""
        return "\n".join(op.text for page in self.pages for op in page.ops if isinstance(op, Text))

    def overflows(self) -> list[str]:
        """Descriptions of ops that leave the printable area; an empty list means the layout is sound."""
        paper = self.paper
        found = []
        for number, page in enumerate(self.pages, 1):
            bottom = page.height - (0 if paper.is_roll else paper.margin_bottom) + 0.01
            for op in page.ops:
                box = op.box
                inside = paper.left - 0.01 <= box.x0 and box.x1 <= paper.right + 0.01
                if inside and not (box.y0 >= 0 and box.y1 <= bottom):
                    inside = False
                if not inside:
                    label = op.text if isinstance(op, Text) else type(op).__name__
                    found.append(f"page {number}: {label!r} at {box} outside {paper.left:.1f}..{paper.right:.1f}")
        return found
