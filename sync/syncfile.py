"""The offline sync file (同步文件): a signed push batch carried on a USB stick to the county.

Layout (all ASCII lines, then binary)::

    SUISHENBAN-SYNC 1\\n
    device <32 hex>\\n
    signature <128 hex>\\n
    <gzip of a PushRequest as JSON>

The Ed25519 signature covers the first two lines and the gzip bytes. The device's public key reached
the county at enrolment; the county verifies the signature before it inflates anything (``read_header``,
then ``inflate`` with a bound), parses the batch with the online push's strict JSON rules and ingests it
exactly as an online push (docs/sync-protocol.md, "Sync file").
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass

from sync.wire import PushRequest

MAGIC = b"SUISHENBAN-SYNC 1\n"
MAX_FILE_BYTES = 64 * 1024 * 1024
_DEVICE = re.compile(rb"^device ([0-9a-f]{32})\n")
_SIGNATURE = re.compile(rb"^signature ([0-9a-f]{128})\n")


class SyncFileError(ValueError):
    """A file that is not a readable sync file; the message says so in Chinese."""


def signed_part(device_id: str, payload_gz: bytes) -> bytes:
    return MAGIC + f"device {device_id}\n".encode("ascii") + payload_gz


def pack(device_id: str, payload_gz: bytes, signature: bytes) -> bytes:
    return (
        MAGIC + f"device {device_id}\n".encode("ascii") + f"signature {signature.hex()}\n".encode("ascii") + payload_gz
    )


def payload_of(request: PushRequest) -> bytes:
    return gzip.compress(request.model_dump_json(exclude_none=True).encode("utf-8"))


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


def inflate(payload_gz: bytes, limit: int) -> bytes:
    """The payload's JSON bytes, at most ``limit`` of them: call only once the signature was checked."""
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        raw = inflater.decompress(payload_gz, limit + 1)
    except zlib.error as exc:
        raise SyncFileError("同步文件已损坏或不完整，请重新导出。") from exc
    if len(raw) > limit or inflater.unconsumed_tail:
        raise SyncFileError("同步文件里的记录太多，请在柜台端分几次导出。")
    if not inflater.eof:
        raise SyncFileError("同步文件已损坏或不完整，请重新导出。")
    return raw
