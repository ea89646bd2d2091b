"""The offline sync file (同步文件): a signed push batch carried on a USB stick to the county.

Layout (all ASCII lines, then binary)::

    SUISHENBAN-SYNC 1\\n
    device <32 hex>\\n
    signature <128 hex>\\n
    <gzip of a PushRequest as JSON>
    image <sha256 hex> <size>\n<the image's bytes>     (none or more: material images of those events)

The Ed25519 signature covers the first two lines, the gzip bytes and the images after them. A county that
predates the images stops reading at the end of the gzip stream, so such a file still imports there (the
images then follow by network). The device's public key reached
the county at enrolment; the county verifies the signature before it inflates anything (``read_header``,
then ``split`` with a bound), parses the batch with the online push's strict JSON rules and ingests it
exactly as an online push (docs/sync-protocol.md, "Sync file").
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from dataclasses import dataclass

from sync.wire import PushRequest

MAGIC = b"SUISHENBAN-SYNC 1\n"
MAX_FILE_BYTES = 64 * 1024 * 1024
_DEVICE = re.compile(rb"^device ([0-9a-f]{32})\n")
_SIGNATURE = re.compile(rb"^signature ([0-9a-f]{128})\n")
_IMAGE = re.compile(rb"image ([0-9a-f]{64}) (\d{1,9})\n")


class SyncFileError(ValueError):
    """A file that is not a readable sync file; the message says so in Chinese."""


def signed_part(device_id: str, payload_gz: bytes) -> bytes:
    return MAGIC + f"device {device_id}\n".encode("ascii") + payload_gz


def pack(device_id: str, payload_gz: bytes, signature: bytes) -> bytes:
    return (
        MAGIC + f"device {device_id}\n".encode("ascii") + f"signature {signature.hex()}\n".encode("ascii") + payload_gz
    )


def payload_of(request: PushRequest, images: list[tuple[str, bytes]] = ()) -> bytes:
    """The signed payload: the batch, gzipped, then each image as ``image <sha256> <size>`` and its bytes."""
    parts = [gzip.compress(request.model_dump_json(exclude_none=True).encode("utf-8"))]
    for sha256, data in images:
        parts.append(f"image {sha256} {len(data)}\n".encode("ascii") + data)
    return b"".join(parts)


def image_section(sha256: str, data: bytes) -> int:
    """How many bytes an image adds to a sync file."""
    return len(f"image {sha256} {len(data)}\n") + len(data)


@dataclass(frozen=True)
class Header:
    """What a sync file says before its payload is touched: enough to check the signature first."""

    device_id: str
    signature: bytes
    payload_gz: bytes

    @property
    def signed(self) -> bytes:
        return signed_part(self.device_id, self.payload_gz)


def read_header(data: bytes) -> Header:
    """The device and signature of a sync file, its payload left compressed; raises SyncFileError."""
    if len(data) > MAX_FILE_BYTES:
        raise SyncFileError("同步文件太大，请在柜台端分几次导出。")
    if not data.startswith(MAGIC):
        raise SyncFileError("这不是乡村随身办的同步文件。")
    rest = data[len(MAGIC) :]
    device = _DEVICE.match(rest)
    if not device:
        raise SyncFileError("同步文件已损坏（缺少设备编号）。")
    rest = rest[device.end() :]
    signature = _SIGNATURE.match(rest)
    if not signature:
        raise SyncFileError("同步文件已损坏（缺少签名）。")
    return Header(
        device.group(1).decode("ascii"), bytes.fromhex(signature.group(1).decode("ascii")), rest[signature.end() :]
    )


def split(payload_gz: bytes, limit: int) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The payload's JSON bytes (at most ``limit``) and its images, each checked against its hash: call only
    once the signature was checked; raises SyncFileError."""
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        raw = inflater.decompress(payload_gz, limit + 1)
    except zlib.error as exc:
        raise SyncFileError("同步文件已损坏或不完整，请重新导出。") from exc
    if len(raw) > limit or inflater.unconsumed_tail:
        raise SyncFileError("同步文件里的记录太多，请在柜台端分几次导出。")
    if not inflater.eof:
        raise SyncFileError("同步文件已损坏或不完整，请重新导出。")
    return raw, _images(inflater.unused_data)


def _images(rest: bytes) -> list[tuple[str, bytes]]:
    images, at = [], 0
    while at < len(rest):
        head = _IMAGE.match(rest, at)
        if head is None:
            raise SyncFileError("同步文件里的材料影像部分已损坏，请重新导出。")
        sha256, size = head.group(1).decode("ascii"), int(head.group(2))
        data = rest[head.end() : head.end() + size]
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
            raise SyncFileError("同步文件里有一张材料影像与它的校验值不一致，请重新导出。")
        images.append((sha256, data))
        at = head.end() + size
    return images
