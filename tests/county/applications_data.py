"""Factories for applications (申请): a valid form for a township, and small real images as a phone sends them."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace

from sqlalchemy import select

from county.models import Township
from county.services.applications import ApplicationForm
from tests.factories import resident_id

AGENT_PHONE = "13812345678"
AGENT_ID = resident_id(birth=__import__("datetime").date(1978, 5, 2), order=318)


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (grey pixels), as small as an image can be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def make_form(session, township: str = "瑶里镇", **overrides) -> ApplicationForm:
    town_id = session.scalar(select(Township.id).where(Township.name == township))
    form = ApplicationForm(
        kind="shop",
        shop_name="绕南村便民超市",
        agent_name="程桂兰",
        phone=AGENT_PHONE,
        id_number=AGENT_ID,
        township_id=str(town_id),
        village="绕南村",
        address="绕南村一组 18 号",
    )
    return replace(form, **overrides)
