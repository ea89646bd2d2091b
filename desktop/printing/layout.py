"""The layout engine: a Sheet places titles, fields, lists, tables, codes and signature lines down a paper, page by page."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm

from desktop.printing.fonts import printable, text_width
from desktop.printing.linebreak import wrap
from desktop.printing.ops import Barcode, Block, Box, Frame, Layout, Op, Page, Qr, Rule, Text, stack
from desktop.printing.papers import Paper

LEADING = 1.42  # line height as a multiple of the text size
ASCENT, DESCENT = 0.88, 0.24  # ink above and below the baseline, as a multiple of the size (all three fonts)
BOLD_STROKE = 0.04  # fake bold: the glyph outline stroked with this fraction of the size (no bold CJK face)
QUIET_MODULES = 10  # Code 128 quiet zone on each side, in bar widths


@dataclass(frozen=True)
class Column:
    header: str
    weight: float
    align: str = "left"  # left | right | center


class Sheet:
    """Builds a Layout top to bottom. On sheets a block that does not fit starts a new page; a roll just grows."""

    def __init__(self, paper: Paper, title: str, label_chars: float = 5.0) -> None:
        self.paper = paper
        self.title_text = title
        self.label_width = label_chars * paper.body
        self._pages: list[list[Op]] = [[]]
        self._y = paper.margin_top
        self._group: list[Block] | None = None
        self._held: Block | None = None  # a heading waiting to be placed with what follows it
        self._repeat: Block | None = None  # a table header repeated at the top of each new page
        self._missing: list[str] = []
        self._footer_height = 0.0 if paper.is_roll else paper.body * 0.8 * LEADING * 1.25

    # ---- placing blocks ----

    @property
    def _bottom(self) -> float:
        assert self.paper.height is not None
        return self.paper.height - self.paper.margin_bottom - self._footer_height

    @property
    def _room(self) -> float:
        return float("inf") if self.paper.is_roll else self._bottom - self.paper.margin_top

    def _place(self, block: Block) -> None:
        if self._held is not None:
            block, self._held = stack([self._held, block]), None
        if self._group is not None:
            self._group.append(block)
            return
        if not self.paper.is_roll and self._y + block.height > self._bottom and self._y > self.paper.margin_top:
            self._pages.append([])
            self._y = self.paper.margin_top
            if self._repeat is not None:
                self._pages[-1].extend(self._repeat.moved(self._y))
                self._y += self._repeat.height
        self._pages[-1].extend(block.moved(self._y))
        self._y += block.height

    @contextmanager
    def together(self) -> Iterator[None]:
        """Keep everything placed inside on one page (when it fits on a page at all)."""
        outer, self._group = self._group, []
        try:
            yield
        finally:
            blocks, self._group = self._group, outer
            if self._held is not None:
                blocks.append(self._held)
                self._held = None
            whole = stack(blocks)
            for block in [whole] if whole.height <= self._room else blocks:
                self._place(block)

    def gap(self, height: float | None = None) -> None:
        """Vertical space (half a line by default); none at the top of a page."""
        height = self.paper.body * 0.6 if height is None else height
        if self._held is not None:
            self._hold(Block((), height))
        elif self._group is not None:
            self._place(Block((), height))
        elif self.paper.is_roll or self._y > self.paper.margin_top:
            self._y = self._y + height if self.paper.is_roll else min(self._y + height, self._bottom)

    # ---- text ----

    def _printable(self, text: str) -> str:
        shown = printable(text)
        self._missing.extend(char for char in shown.missing if char not in self._missing)
        return shown.text

    @staticmethod
    def _text_op(x: float, top: float, line: str, size: float, bold: bool) -> Text:
        stroke = size * BOLD_STROKE if bold else 0.0
        baseline = top + size * (LEADING - ASCENT - DESCENT) / 2 + size * ASCENT
        x += stroke / 2
        box = Box(
            x - stroke / 2, baseline - ASCENT * size, x + text_width(line, size) + stroke / 2, baseline + DESCENT * size
        )
        return Text(x, baseline, line, size, bold, box)

    def _lines(
        self, text: str, x0: float, x1: float, size: float, bold: bool = False, align: str = "left"
    ) -> list[Text]:
        """Wrapped lines of ``text`` between x0 and x1, each positioned from top 0 with one line's height."""
        stroke = size * BOLD_STROKE if bold else 0.0
        ops = []
        for line in wrap(self._printable(text), x1 - x0 - stroke, size):
            spare = x1 - x0 - stroke - text_width(line, size)
            x = x0 + {"left": 0.0, "center": spare / 2, "right": spare}[align]
            ops.append(self._text_op(x, 0.0, line, size, bold))
        return ops

    def _place_lines(self, lines: list[Text], size: float) -> None:
        for op in lines:
            self._place(Block((op,), size * LEADING))

    def text(
        self, text: str, *, size: float | None = None, bold: bool = False, align: str = "left", indent: float = 0.0
    ) -> None:
        size = size or self.paper.body
        self._place_lines(self._lines(text, self.paper.left + indent, self.paper.right, size, bold, align), size)

    def title(self, text: str, size: float | None = None) -> None:
        self.text(text, size=size or self.paper.title, bold=True, align="center")

    def section(self, heading: str) -> None:
        """A bold heading over a thin rule; it is never left alone at the foot of a page."""
        size = self.paper.body
        lines = self._lines(heading, self.paper.left, self.paper.right, size * 1.05, bold=True)
        top = size * 0.5
        ops: list[Op] = [op.moved(top + n * size * 1.05 * LEADING) for n, op in enumerate(lines)]
        rule_y = top + len(lines) * size * 1.05 * LEADING
        ops.append(self._rule_op(rule_y, 0.5, dashed=False))
        self._hold(Block(tuple(ops), rule_y + size * 0.3))

    def _hold(self, block: Block) -> None:
        self._held = stack([self._held, block]) if self._held is not None else block

    def field(self, label: str, value: str, *, bold: bool = False, size: float | None = None) -> None:
        """``label`` in the left column, ``value`` wrapped in the rest of the line."""
        size = size or self.paper.body
        left, split = self.paper.left, self.paper.left + self.label_width
        labels = self._lines(label, left, split - size * 0.3, self.paper.body)
        values = self._lines(value or "—", split, self.paper.right, size, bold)
        line = max(size, self.paper.body) * LEADING
        rows = max(len(labels), len(values))
        shift = values[0].baseline - labels[0].baseline if values and labels else 0.0  # one baseline for both
        ops = [op.moved(n * line + shift) for n, op in enumerate(labels)]
        ops += [op.moved(n * line) for n, op in enumerate(values)]
        self._place(Block(tuple(ops), rows * line))

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Short fields two to a line where the paper is wide enough, else one under another."""
        body = self.paper.body
        half = self.paper.printable_width / 2
        if half < self.label_width + 12 * body:
            for label, value in pairs:
                self.field(label, value)
            return
        line = body * LEADING
        for start in range(0, len(pairs), 2):
            ops: list[Op] = []
            rows = 0
            for n, (label, value) in enumerate(pairs[start : start + 2]):
                x0 = self.paper.left + n * half
                x1 = x0 + half - (body if n == 0 else 0)
                labels = self._lines(label, x0, x0 + self.label_width - body * 0.3, body)
                values = self._lines(value or "—", x0 + self.label_width, x1, body)
                ops += [op.moved(k * line) for k, op in enumerate(labels)]
                ops += [op.moved(k * line) for k, op in enumerate(values)]
                rows = max(rows, len(labels), len(values))
            self._place(Block(tuple(ops), rows * line))

    def item(self, marker: str, text: str, note: str = "", *, size: float | None = None) -> None:
        """A list entry: ``marker`` (1. or ·) hanging, the text wrapped beside it, a smaller note under it."""
        size = size or self.paper.body
        left = self.paper.left
        indent = max(text_width(self._printable(marker), size) + size * 0.4, size * 1.6)
        body = self._lines(text, left + indent, self.paper.right, size)
        ops: list[Op] = [self._text_op(left, 0.0, self._printable(marker), size, False)]
        ops += [op.moved(n * size * LEADING) for n, op in enumerate(body)]
        height = len(body) * size * LEADING
        if note:
            small = size * 0.85
            notes = self._lines(note, left + indent, self.paper.right, small)
            ops += [op.moved(height + n * small * LEADING) for n, op in enumerate(notes)]
            height += len(notes) * small * LEADING
        self._place(Block(tuple(ops), height))

    def notice(self, text: str, *, bold: bool = True) -> None:
        """Text inside a ruled frame: what must not be overlooked."""
        size, frame = self.paper.body, 0.8
        pad = size * 0.5
        left, right = self.paper.left, self.paper.right
        lines = self._lines(text, left + frame + pad, right - frame - pad, size, bold)
        ops: list[Op] = [op.moved(frame + pad * 0.6 + n * size * LEADING) for n, op in enumerate(lines)]
        height = 2 * frame + pad * 1.2 + len(lines) * size * LEADING
        ops.append(Frame(Box(left, 0.0, right, height), frame))
        self._place(Block(tuple(ops), height + size * 0.3))

    # ---- lines, tables, codes, signatures ----

    def _rule_op(self, y: float, width: float, dashed: bool) -> Rule:
        left, right = self.paper.left, self.paper.right
        return Rule(left, right, y, width, dashed, Box(left, y - width / 2, right, y + width / 2))

    def rule(self, *, dashed: bool = False, width: float = 0.6) -> None:
        space = self.paper.body * 0.4
        self._place(Block((self._rule_op(space, width, dashed),), 2 * space))

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], *, size: float | None = None) -> None:
        """Rows of wrapped cells under a bold header that repeats on each new page."""
        size = size or self.paper.body
        total = sum(column.weight for column in columns)
        edges, x = [], self.paper.left
        for column in columns:
            width = self.paper.printable_width * column.weight / total
            edges.append((x, x + width))
            x += width
        pad = size * 0.25

        def row_block(cells: Sequence[str], bold: bool, rule_width: float, dashed: bool) -> Block:
            ops: list[Op] = []
            height = 0.0
            for (x0, x1), column, cell in zip(edges, columns, cells, strict=True):
                lines = self._lines(cell, x0 + pad, x1 - pad, size, bold, column.align)
                ops += [op.moved(n * size * LEADING) for n, op in enumerate(lines)]
                height = max(height, len(lines) * size * LEADING)
            ops.append(self._rule_op(height + size * 0.15, rule_width, dashed))
            return Block(tuple(ops), height + size * 0.3)

        header = row_block([column.header for column in columns], True, 0.6, False)
        self._hold(header)
        self._repeat = header
        for cells in rows:
            self._place(row_block(cells, False, 0.3, True))
        if self._held is not None:  # a table without rows still shows its header
            self._place(Block((), 0.0))
        self._repeat = None

    def qr(self, value: str, captions: Sequence[str], *, side: float | None = None) -> None:
        """A QR code with caption lines beside it (or under it, when the paper is narrow)."""
        size = self.paper.body
        left, right = self.paper.left, self.paper.right
        beside = self.paper.printable_width >= 60 * mm
        side = side or (
            min(28 * mm, max(22 * mm, self.paper.printable_width * 0.22))
            if beside
            else min(28 * mm, self.paper.printable_width * 0.55)
        )
        if beside:
            ops: list[Op] = [Qr(value, Box(left, 0.0, left + side, side))]
            top = size * 0.8
            for caption in captions:
                lines = self._lines(caption, left + side + size * 0.5, right, size)
                ops += [op.moved(top + n * size * LEADING) for n, op in enumerate(lines)]
                top += len(lines) * size * LEADING
            self._place(Block(tuple(ops), max(side, top) + size * 0.3))
            return
        x = left + (right - left - side) / 2
        ops = [Qr(value, Box(x, 0.0, x + side, side))]
        top = side
        for caption in captions:
            lines = self._lines(caption, left, right, size)
            ops += [op.moved(top + n * size * LEADING) for n, op in enumerate(lines)]
            top += len(lines) * size * LEADING
        self._place(Block(tuple(ops), top + size * 0.3))

    def barcode(self, value: str, *, height: float = 10 * mm, max_bar: float = 0.33 * mm) -> None:
        """A Code 128 barcode of ``value``, centred with its quiet zones, the value printed under it."""
        probe = Code128(value, barWidth=1, quiet=0)
        probe.validate()
        probe.encode()
        probe.decompose()
        probe.computeSize()
        modules = probe.width
        bar = min(max_bar, self.paper.printable_width / (modules + 2 * QUIET_MODULES))
        width = modules * bar
        x = self.paper.left + (self.paper.printable_width - width) / 2
        ops: list[Op] = [Barcode(value, bar, Box(x, 0.0, x + width, height))]
        caption = self._lines(value, self.paper.left, self.paper.right, self.paper.body, align="center")
        ops += [op.moved(height + n * self.paper.body * LEADING) for n, op in enumerate(caption)]
        self._place(Block(tuple(ops), height + len(caption) * self.paper.body * LEADING + self.paper.body * 0.3))

    def signatures(self, labels: Sequence[str]) -> None:
        """Signature lines: label, then a line to write on, with room above it for a hand."""
        size = self.paper.body
        per_row = 2 if self.paper.printable_width >= 30 * size else 1
        cell = self.paper.printable_width / per_row
        line = size * LEADING
        for start in range(0, len(labels), per_row):
            ops: list[Op] = []
            for n, label in enumerate(labels[start : start + per_row]):
                x0 = self.paper.left + n * cell
                x1 = x0 + cell - (size if n < per_row - 1 else 0)
                text = self._text_op(x0, line * 1.3, self._printable(label), size, False)
                y = text.baseline + size * 0.2
                ops += [text, Rule(text.box.x1 + 2, x1, y, 0.6, False, Box(text.box.x1 + 2, y - 0.3, x1, y + 0.3))]
            self._place(Block(tuple(ops), line * 2.4))

    # ---- the end ----

    def finish(self, footer: str) -> Layout:
        """Close the layout: page footers on sheets, the footer as the last line on a roll."""
        paper = self.paper
        if self._held is not None:
            self._place(Block((), 0.0))
        if paper.is_roll:
            self.gap()
            self.text(footer, size=paper.body * 0.8, align="center")
            height = self._y + paper.margin_bottom
            pages = (Page(paper.width, height, tuple(self._pages[0])),)
            return Layout(self.title_text, paper, pages, tuple(self._missing))
        assert paper.height is not None
        count = len(self._pages)
        pages = []
        for number, ops in enumerate(self._pages, 1):
            small = paper.body * 0.8
            words = f"{footer}　第 {number} 页，共 {count} 页"
            lines = self._lines(words, paper.left, paper.right, small, align="center")
            top = paper.height - paper.margin_bottom - len(lines) * small * LEADING
            footer_ops = tuple(op.moved(top + n * small * LEADING) for n, op in enumerate(lines))
            pages.append(Page(paper.width, paper.height, tuple(ops) + footer_ops))
        return Layout(self.title_text, paper, tuple(pages), tuple(self._missing))
