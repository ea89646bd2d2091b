"""Poppler and zlib helpers for the printing tests: text, fonts, page images and decompressed streams of a PDF."""

from __future__ import annotations

import re
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def _run(tool: list[str], pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "doc.pdf"
        source.write_bytes(pdf)
        result = subprocess.run(
            [*tool, str(source), *([] if tool[0] == "pdffonts" else ["-"])], capture_output=True, timeout=60, check=True
        )
    return result.stdout.decode("utf-8")


def pdf_text(pdf: bytes) -> str:
    """What pdftotext -layout reads back: proof the text is real text in embedded fonts, not pictures."""
    return _run(["pdftotext", "-layout", "-enc", "UTF-8"], pdf)


@dataclass(frozen=True)
class FontRow:
    name: str
    type: str
    embedded: bool
    subset: bool
    unicode: bool


def pdf_fonts(pdf: bytes) -> list[FontRow]:
    rows = []
    for line in _run(["pdffonts"], pdf).splitlines()[2:]:
        parts = line.split()
        # name type [type...] encoding emb sub uni object generation
        emb, sub, uni = parts[-5:-2]
        rows.append(FontRow(parts[0], parts[1], emb == "yes", sub == "yes", uni == "yes"))
    return rows


def pdf_pages(pdf: bytes) -> int:
    return int(re.search(r"Pages:\s+(\d+)", pdf_info(pdf))[1])


def pdf_info(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "doc.pdf"
        source.write_bytes(pdf)
        return subprocess.run(["pdfinfo", str(source)], capture_output=True, timeout=60, check=True).stdout.decode()


def page_size_mm(pdf: bytes) -> tuple[float, float]:
    """The first page's size in millimetres, as pdfinfo reports it."""
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", pdf_info(pdf))
    return float(match[1]) * 25.4 / 72, float(match[2]) * 25.4 / 72


def png_pages(pdf: bytes, folder: Path, dpi: int = 100) -> list[Path]:
    """Each page as a PNG made by pdftoppm -r ``dpi``."""
    source = folder / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(source), str(folder / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return sorted(folder.glob("page-*.png"))


def inflated(pdf: bytes) -> bytes:
    """The raw PDF followed by every Flate stream decompressed: where a leaked value could hide."""
    parts = [pdf]
    for match in _STREAM.finditer(pdf):
        try:
            parts.append(zlib.decompress(match[1]))
        except zlib.error:
            continue
    return b"\n".join(parts)
