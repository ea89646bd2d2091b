"""Attaching material images (材料影像) to a case: a scan or photo made into a legible A4 page of ≤ 300 KB.

WebP rather than JPEG: on a printed form at 150 dpi it is legible at about 60% of JPEG's bytes (docs/benchmarks.md,
"Material images"), and every byte counts on a 2G link; the county's browsers and Qt both read it.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from desktop.printing.evidence_pages import EvidencePage, evidence_pdf
from desktop.services.case_detail import CaseDetail
from desktop.services.session import Counter, CounterLocked
from desktop.store import evidence as evidence_store
from desktop.store.engine import read, write
from desktop.store.evidence import StoredImage
from desktop.store.ledger import get_meta, set_meta
from sync.ledger.events import Event
from sync.ledger.evidence import MAX_IMAGE_BYTES, image_hash
from sync.ledger.forms import FormErrors, draft_evidence
from sync.ledger.kinds import CaseState

SCAN_FOLDER = "scan_folder"  # meta: where the last attached file came from; also the setting (扫描件文件夹)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
PAGE_LONG_SIDE = 1754  # an A4 page at 150 dpi: small print stays readable
MEDIA_TYPE = "image/webp"
_QUALITIES = (60, 50, 40, 30)  # the first that fits; 60 keeps small print sharp
_MAX_SOURCE_BYTES = 40 * 1024 * 1024  # a scanner's largest page; anything bigger is not a page
Image.MAX_IMAGE_PIXELS = 80_000_000


class EvidenceError(Exception):
    """An image that cannot be attached, with a message for the agent; nothing was saved."""


@dataclass(frozen=True)
class ImageRow:
    """One attached image as the case page lists it."""

    seq: int
    material: str  # the material's name on the checklist
    size_kb: int
    attached_at: str
    uploaded: str  # 已上传 / 待上传 (已传 n%) / 已删除
    kept: bool = True  # the bytes are still on this PC


def compress_page(raw: bytes) -> bytes:
    """A document image as a WebP A4 page of at most 300 KB: upright, long side ≤ 1754 px, in grey."""
    try:
        with Image.open(io.BytesIO(raw)) as opened:
            page = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise EvidenceError("这个文件不是能识别的图片，请选择扫描件或照片（JPG、PNG 等）。") from exc
    page.thumbnail((PAGE_LONG_SIDE, PAGE_LONG_SIDE), Image.Resampling.LANCZOS)
    while True:
        for quality in _QUALITIES:
            out = io.BytesIO()
            page.save(out, "WEBP", quality=quality, method=4)
            if out.tell() <= MAX_IMAGE_BYTES:
                return out.getvalue()
        if max(page.size) < 600:
            raise EvidenceError("这张图片压缩后仍然太大，请重新扫描或拍照后再添加。")
        page = page.resize((page.width * 3 // 4, page.height * 3 // 4), Image.Resampling.LANCZOS)


def attach_file(counter: Counter, detail: CaseDetail, material: str, path: Path) -> Event:
    """Compress the file, then store the image and its evidence.attached event in one transaction."""
    if counter.locked:
        raise CounterLocked(counter.locked)
    try:
        if path.stat().st_size > _MAX_SOURCE_BYTES:
            raise EvidenceError("这个文件太大（超过 40 MB），不像一页扫描件，请检查后再选。")
        raw = path.read_bytes()
    except OSError as exc:
        raise EvidenceError("读不到这个文件，请确认它还在、没有被别的程序占用。") from exc
    attached = attach_bytes(counter, detail, material, raw)
    with write(counter.store.engine) as conn:
        set_meta(conn, **{SCAN_FOLDER: str(path.resolve().parent)})
    return attached


def scan_folder(counter: Counter) -> Path | None:
    """The watched scan folder (扫描件文件夹): the one chosen in 设置, else the folder the last attached file came
    from; None if there is none or it cannot be opened now (a phone or stick unplugged)."""
    folder = chosen_scan_folder(counter)
    if folder is None:
        with read(counter.store.engine) as conn:
            remembered = get_meta(conn).get(SCAN_FOLDER)
        folder = Path(remembered) if remembered else None
    return folder if folder is not None and folder.is_dir() else None


def chosen_scan_folder(counter: Counter) -> Path | None:
    """The scan folder set in 设置, whether or not it can be opened now."""
    chosen = counter.settings.get(SCAN_FOLDER)
    return Path(chosen) if chosen else None


def scan_folder_problem(path: str) -> str | None:
    """Why ``path`` cannot be the scan folder (in Chinese), or None; an empty path means none is set."""
    if not path:
        return None
    folder = Path(path)
    if not folder.exists():
        return "找不到这个文件夹，没有保存。请确认扫描仪或手机已经连好，再重新选择。"
    if not folder.is_dir():
        return "选的不是文件夹，没有保存。请选择扫描仪或手机存图片的那个文件夹。"
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
    except OSError:
        return "这个文件夹打不开（没有读取权限），没有保存。请换一个文件夹，或请人检查这台电脑的权限设置。"
    return None


def newest_scans(folder: Path | None, limit: int = 8) -> list[Path]:
    """The newest image files in ``folder``, newest first: what the scanner saved last is at the top."""
    if folder is None:
        return []
    try:
        found = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    except OSError:
        return []  # a folder on a stick that was pulled out: the picker still works


def attach_bytes(counter: Counter, detail: CaseDetail, material: str, raw: bytes) -> Event:
    if detail.state is CaseState.VOIDED:
        raise EvidenceError("这笔办件已作废，不能再添加材料影像。")
    page = compress_page(raw)
    try:
        draft = draft_evidence(detail.case_id, material, image_hash(page), len(page), MEDIA_TYPE, detail.item)
    except FormErrors as exc:
        raise EvidenceError(str(exc)) from None
    (stamped,) = counter.stamp(draft)
    return evidence_store.attach(counter.store, stamped, page)


def images(counter: Counter, detail: CaseDetail) -> list[ImageRow]:
    names = {m.code: m.name for m in detail.item.guide.materials}
    return [_row(image, names) for image in evidence_store.images_of_case(counter.store, detail.case_id)]


def _row(image: StoredImage, names: dict[str, str]) -> ImageRow:
    if image.state == evidence_store.PURGED:
        uploaded = "已按保存期限从本机删除（县里有存档）"
    elif image.state == evidence_store.UPLOADED:
        uploaded = "已上传县里"
    elif image.sent_bytes:
        uploaded = f"上传中（{image.sent_bytes * 100 // image.size}%）"
    else:
        uploaded = "待上传"
    return ImageRow(
        image.seq,
        names.get(image.material, image.material),
        image.size // 1024 + 1,
        image.attached_at[5:16].replace("T", " "),
        uploaded,
        image.state != evidence_store.PURGED,
    )


def image_bytes(counter: Counter, seq: int) -> bytes:
    """The image's bytes for showing or printing, checked against its chained hash (EvidenceMismatch if not)."""
    return evidence_store.image_data(counter.store, seq)


def images_pdf(counter: Counter, detail: CaseDetail) -> bytes:
    """The case's images still on this PC, one A4 page each, for the department's parcel or the point's file."""
    names = {m.code: m.name for m in detail.item.guide.materials}
    pages = [
        EvidencePage(
            f"回执 {detail.receipt_no} · {detail.item.name} · {names.get(image.material, image.material)}",
            evidence_store.image_data(counter.store, image.seq),
        )
        for image in evidence_store.images_of_case(counter.store, detail.case_id)
        if image.state != evidence_store.PURGED
    ]
    if not pages:
        raise EvidenceError("这笔办件在本机没有可以打印的材料影像。")
    return evidence_pdf(f"材料影像 {detail.receipt_no}", pages)
