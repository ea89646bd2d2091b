"""Line breaking for mixed Chinese and Latin text: between ideographs, never inside numbers, punctuation kept right."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from desktop.printing.fonts import text_width

# May not start a line (行首禁则): closing brackets and quotes, sentence and clause marks, and the like.
NO_LINE_START = frozenset(
    "，。、；：！？）》」』】〕〉〗〙”’…‥·・ー々〻ゝゞヽヾ％‰℃"
    ",.;:!?)]}%'\"»›"
    "\uff09\uff3d\uff5d\uff0e\uff1a\uff1b\uff01\uff1f\uff05"
)
# May not end a line (行尾禁则): opening brackets and quotes, currency signs that lead a number.
NO_LINE_END = frozenset("（《「『【〔〈〖〘“‘([{«‹¥￥$\uff08\uff3b\uff5b")
MAX_NUMBER_GLUE = 12  # past this a number stops taking on neighbours (its own unit aside): lines can still break


def _is_wide(char: str) -> bool:
    """Characters after and before which a line may break: ideographs, kana, hangul, full-width forms."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _ends_in_digit(piece: str) -> bool:
    return piece[-1].isascii() and piece[-1].isdigit()


def _starts_with_digit(piece: str) -> bool:
    return piece[:1].isascii() and piece[:1].isdigit()


def _is_space(char: str) -> bool:
    return char == " " or char == "\u3000"


def tokens(text: str) -> list[str]:
    """Unbreakable pieces of one line of text, spaces kept as their own tokens.

    A piece is one wide character, or a run of narrow non-space characters (a Latin word, a number
    such as 86.50 or 0427-261127-1001-5, a URL). Closing punctuation is glued to the piece before it
    and opening punctuation to the piece after it, so neither can be left at the wrong end of a line;
    a number keeps the one character after it, with or without a space between (3个, 2026年, 86.50 元),
    and a number keeps the character before it, with or without a space (共 2 件, 11月27日).
    """
    raw: list[str] = []
    for char in text:
        previous = raw[-1][-1] if raw else " "
        if raw and unicodedata.combining(char):
            raw[-1] += char
        elif not (_is_space(char) or _is_wide(char) or _is_space(previous) or _is_wide(previous)):
            raw[-1] += char  # narrow after narrow: one word, number or URL
        else:
            raw.append(char)
    merged: list[str] = []
    glue_next = False
    for index, piece in enumerate(raw):
        last = merged[-1] if merged else ""
        follower = raw[index + 1] if index + 1 < len(raw) else ""
        unit = bool(last) and _ends_in_digit(last) and len(piece) == 1 and _is_wide(piece)  # 3个, 2026年
        number_glue = unit or (
            bool(last)
            and len(last) < MAX_NUMBER_GLUE
            and (
                (_is_wide(last[-1]) and _starts_with_digit(piece))  # 11月27日
                or (piece == " " and _ends_in_digit(last) and len(follower) == 1 and _is_wide(follower))  # 86.50 元
                or (piece == " " and _is_wide(last[-1]) and _starts_with_digit(follower))  # 共 2 件
            )
        )
        if last and (number_glue or (not _is_space(piece) and (glue_next or piece[0] in NO_LINE_START))):
            merged[-1] += piece
        else:
            merged.append(piece)
        glue_next = (piece == " " and number_glue) or (not _is_space(piece) and piece[-1] in NO_LINE_END)
    return merged


def _split_long(piece: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """A piece wider than the line (a very long number or URL) is cut character by character."""
    parts: list[str] = []
    current = ""
    for char in piece:
        if current and measure(current + char) > width:
            parts.append(current)
            current = char
        else:
            current += char
    if current:
        parts.append(current)
    return parts


def wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of ``text`` (already printable) that each fit ``width`` points at ``size`` pt.

    Hard line breaks ("\\n") are kept; spaces where a line breaks are dropped; an empty text gives
    one empty line.
    """

    def measure(piece: str) -> float:
        return text_width(piece, size)

    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for piece in tokens(paragraph):
            if _is_space(piece) and not current:
                continue  # no space at the start of a wrapped line
            if measure(current + piece) <= width:
                current += piece
                continue
            if _is_space(piece):
                lines.append(current.rstrip())
                current = ""
                continue
            if measure(piece) > width:  # fits no line: fill this one, then cut it character by character
                *full, current = _split_long(current + piece, width, measure)
                lines.extend(line.rstrip() for line in full)
                continue
            if current.strip():
                lines.append(current.rstrip())
            current = piece
        lines.append(current.rstrip())
    return lines
