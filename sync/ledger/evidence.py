"""Material images (材料影像): the rules on an ``evidence.attached`` body, shared by the counter and the county.

The image itself never enters the ledger: the event carries its SHA-256, size and type, so the hash chain
covers the exact bytes, and a swapped or altered image no longer matches the event that attached it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sync.ledger.catalogue import Item
from sync.ledger.forms_base import Problems, check_id, check_int, take

MEDIA_TYPES = ("image/jpeg", "image/webp")
MAX_IMAGE_BYTES = 300 * 1024  # a legible A4 page; the counter compresses to fit
_SHA = re.compile(r"[0-9a-f]{64}")
_KEYS = ("case_id", "material", "sha256", "size", "media_type")


class EvidenceMismatch(ValueError):
    """An image whose bytes are not those its ledger event names (swapped, altered or cut short)."""


def image_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_image(body: dict[str, Any], data: bytes) -> None:
    """Raise EvidenceMismatch unless ``data`` is exactly the image the event body attached."""
    if len(data) != body["size"] or image_hash(data) != body["sha256"]:
        raise EvidenceMismatch("这张材料影像与台账里登记的不一致，可能已被替换或损坏。")


def check_evidence(body: object, problems: Problems, item: Item | None) -> dict[str, Any]:
    """Normalise an ``evidence.attached`` body; with the case's item, the material must be on its checklist."""
    fields = take(body, _KEYS, problems, where="body", label="材料影像")
    out: dict[str, Any] = {
        "case_id": problems.check("case_id", check_id, fields.get("case_id"), field="case_id", label="办件编号")
    }
    material = fields.get("material")
    if not isinstance(material, str) or not material:
        problems.add("material", "请选择这张影像对应的材料。")
    elif item is not None and material not in {m.code for m in item.guide.materials}:
        problems.add("material", "这张影像对应的材料不在这个事项的材料清单上。")
    out["material"] = material
    sha = fields.get("sha256")
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        problems.add("sha256", "材料影像的校验值格式不对，请升级柜台软件。")
    out["sha256"] = sha
    out["size"] = problems.check(
        "size", check_int, fields.get("size"), field="size", label="影像大小", low=1, high=MAX_IMAGE_BYTES
    )
    media = fields.get("media_type")
    if media not in MEDIA_TYPES:
        problems.add("media_type", "材料影像只能是 JPEG 或 WebP 图片。")
    out["media_type"] = media
    return out
