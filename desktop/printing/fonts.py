"""The bundled CJK fonts on paper: registered once, and text split into runs of the font that has each character."""

from __future__ import annotations

import io
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

import resources

PRIMARY = "SSB-WenQuanYi"  # WenQuanYi Micro Hei, face 0 of the TTC: Latin, punctuation, common ideographs
RARE_BMP = "SSB-HanaMinA"  # HanaMinA subset: Extension A, compatibility ideographs, radicals
RARE_SUPPLEMENTARY = "SSB-HanaMinB"  # HanaMinB: Extensions B–F (supplementary planes)
FALLBACK_ORDER = (PRIMARY, RARE_BMP, RARE_SUPPLEMENTARY)
_FILES = {
    PRIMARY: ("wqy-microhei.ttc", 0),
    RARE_BMP: ("HanaMinA-rare.ttf", 0),
    RARE_SUPPLEMENTARY: ("HanaMinB.ttf", 0),
}
# Zero-width code points no font draws: variation selectors, joiners, BOM, soft hyphen. The base
# character is printed; the selector itself is dropped from the paper (never from the ledger).
_INVISIBLE = frozenset(
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
)
_lock = threading.Lock()
_coverage: dict[str, frozenset[int]] = {}


def _cmap_code(code: int) -> str:
    """A ToUnicode destination in UTF-16BE hex: supplementary characters as a surrogate pair."""
    if code <= 0xFFFF:
        return f"{code:04X}"
    code -= 0x10000
    return f"{0xD800 + (code >> 10):04X}{0xDC00 + (code & 0x3FF):04X}"


def _to_unicode_cmap(name: str, subset: list[int]) -> str:
    head = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        f"/CIDSystemInfo\n<< /Registry ({name})\n/Ordering ({name})\n/Supplement 0\n>> def\n"
        f"/CMapName /{name} def\n/CMapType 2 def\n1 begincodespacerange\n<00> <{len(subset) - 1:02X}>\n"
        f"endcodespacerange\n{len(subset)} beginbfchar\n"
    )
    pairs = "\n".join(f"<{index:02X}> <{_cmap_code(code)}>" for index, code in enumerate(subset))
    return head + pairs + "\nendbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"


class CjkTTFont(TTFont):
    """A TrueType font whose text-extraction map is right for characters beyond the BMP.

    reportlab writes each ToUnicode entry as four hex digits, so 𠮷 (U+20BB7) would be copied out
    of the PDF as a different character; the glyph is drawn right but search and copy would not be.
    After reportlab has added the font's objects, the maps of this document's subsets are rewritten.
    """

    def addObjects(self, doc) -> None:
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        super().addObjects(doc)
        for number, subset in enumerate(subsets):
            if not any(code > 0xFFFF for code in subset):
                continue
            base = (SUBSETN(number) + b"+" + self.face.name + self.face.subfontNameX).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if stream is not None:
                stream.content = _to_unicode_cmap(base, subset)


def register_fonts() -> None:
    """Load the three bundled fonts into reportlab once per process (about 0.4 s the first time)."""
    if len(_coverage) == len(_FILES):
        return
    with _lock:
        for name, (filename, face_index) in _FILES.items():
            if name in _coverage:
                continue
            data = io.BytesIO(resources.path("fonts", filename).read_bytes())
            data.name = filename
            font = CjkTTFont(name, data, subfontIndex=face_index, asciiReadable=True)
            pdfmetrics.registerFont(font)
            _coverage[name] = frozenset(code for code, glyph in font.face.charToGlyph.items() if glyph)


def coverage(font_name: str) -> frozenset[int]:
    register_fonts()
    return _coverage[font_name]


@lru_cache(maxsize=8192)
def font_for(char: str) -> str | None:
    """The first bundled font that draws ``char``; None when none of them has it."""
    register_fonts()
    code = ord(char)
    return next((name for name in FALLBACK_ORDER if code in _coverage[name]), None)


def placeholder(char: str) -> str:
    """What is printed for a character no bundled font has: its code point, plainly, for the agent to hand-write."""
    return f"〔U+{ord(char):04X}〕"


@dataclass(frozen=True)
class Shown:
    """Text as it will be printed, and the characters that had to be replaced by their code points."""

    text: str
    missing: tuple[str, ...] = ()


def printable(text: str) -> Shown:
    """Drop zero-width marks, turn tabs and other controls into spaces, and replace characters no font has."""
    out: list[str] = []
    missing: list[str] = []
    for char in text:
        code = ord(char)
        if code in _INVISIBLE:
            continue
        if char == "\n":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif font_for(char) is None:
            missing.append(char)
            out.append(placeholder(char))
        else:
            out.append(char)
    return Shown("".join(out), tuple(missing))


def runs(text: str) -> list[tuple[str, str]]:
    """Split printable text into (font name, text) runs; every character goes to a font that has it."""
    result: list[tuple[str, str]] = []
    current_font, start = None, 0
    for index, char in enumerate(text):
        font = font_for(char) or PRIMARY
        if font != current_font:
            if current_font is not None:
                result.append((current_font, text[start:index]))
            current_font, start = font, index
    if current_font is not None:
        result.append((current_font, text[start:]))
    return result


@lru_cache(maxsize=16384)
def char_width(char: str) -> float:
    """Advance width of one character at 1 pt, in the font that draws it."""
    return pdfmetrics.stringWidth(char, font_for(char) or PRIMARY, 1.0)


def text_width(text: str, size: float) -> float:
    """Width in points of printable text at ``size`` pt, summed over its font runs."""
    return sum(char_width(char) for char in text) * size
