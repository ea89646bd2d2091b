"""Reads a Code 128 barcode back from a scan line of a rendered page, to prove the printed bars say the number."""

from __future__ import annotations

from itertools import groupby

from reportlab.graphics.barcode.code128 import _patterns

START = {103: "A", 104: "B", 105: "C"}
STOP = 106
_SWITCH = {99: "C", 100: "B", 101: "A"}


def _widths(pattern: str) -> tuple[int, ...]:
    """reportlab's pattern letters: upper case a bar, lower case a space, A/a = 1 module … D/d = 4."""
    return tuple("abcd".index(letter.lower()) + 1 for letter in pattern)


_BY_WIDTHS = {_widths(pattern): value for value, pattern in _patterns.items() if isinstance(value, int)}


def runs(row: list[bool]) -> list[tuple[bool, int]]:
    """(dark, length) runs from the first dark pixel to the last one."""
    first, last = row.index(True), len(row) - 1 - row[::-1].index(True)
    return [(dark, len(list(group))) for dark, group in groupby(row[first : last + 1])]


def decode(row: list[bool]) -> str:
    """The text of the Code 128 symbol on a scan line of dark (True) and light pixels; ValueError if unreadable."""
    lengths = [length for _dark, length in runs(row)]
    symbols = (len(lengths) - 7) // 6
    if len(lengths) != symbols * 6 + 7:
        raise ValueError(f"{len(lengths)} bars and spaces cannot be a Code 128 symbol")
    module = sum(lengths) / (symbols * 11 + 13)
    widths = [max(1, round(length / module)) for length in lengths]
    values = []
    for start in range(0, symbols * 6, 6):
        key = tuple(widths[start : start + 6])
        if key not in _BY_WIDTHS:
            raise ValueError(f"unknown symbol {key}")
        values.append(_BY_WIDTHS[key])
    if tuple(widths[-7:]) != (2, 3, 3, 1, 1, 1, 2) or values[0] not in START:
        raise ValueError("no start or stop pattern")
    *data, check = values
    if (data[0] + sum(position * value for position, value in enumerate(data[1:], 1))) % 103 != check:
        raise ValueError("check symbol does not match")
    text, code_set = [], START[data[0]]
    for value in data[1:]:
        if value in _SWITCH:
            code_set = _SWITCH[value]
        elif code_set == "C":
            text.append(f"{value:02d}")
        else:
            text.append(chr(value + 32) if value < 64 or code_set == "B" else chr(value - 64))
    return "".join(text)
