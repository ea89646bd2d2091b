"""Scan-like test images: an A4 page of text lines with paper noise, as a scanner or a phone would save it."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def make_scan(
    *, seed: int = 1, width: int = 2480, height: int = 3508, fmt: str = "PNG", grain: int = 4, noise: float = 0.12
) -> bytes:
    """A 300 dpi A4 page (by default) with ruled text-like strokes and speckle, encoded as ``fmt``; a finer ``grain``
    and more ``noise`` make a worse photo, which compresses less."""
    rng = random.Random(seed)
    page = Image.new("L", (width, height), 244)
    draw = ImageDraw.Draw(page)
    line_height = max(height // 60, 8)
    for top in range(line_height * 3, height - line_height * 3, line_height):
        left = width // 12
        while left < width - width // 12:
            word = rng.randint(width // 60, width // 12)
            draw.rectangle((left, top, left + word, top + line_height // 2), fill=32)
            left += word + width // 80
    speckle = Image.effect_noise((width // grain, height // grain), 40).resize((width, height))
    page = Image.blend(page, speckle, noise).convert("RGB")  # a colour file, as scanners save them
    out = io.BytesIO()
    page.save(out, fmt)
    return out.getvalue()
