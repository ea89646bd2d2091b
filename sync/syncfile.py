"""The offline sync file (同步文件): a signed push batch carried on a USB stick to the county.

Layout (all ASCII lines, then binary)::

    SUISHENBAN-SYNC 1\\n
    device <32 hex>\\n
    signature <128 hex>\\n
    <gzip of a PushRequest as JSON>

The Ed25519 signature covers the first two lines and the gzip bytes. The device's public key reached
the county at enrolment; the county verifies the signature, then ingests the batch exactly as an
online push (docs/sync-protocol.md, "Sync file").
"""

from __future__ import annotations

import gzip
import re
import zlib

from sync.wire import PushRequest

MAGIC = b"SUISHENBAN-SYNC 1\n"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNCOMPRESSED = 256 * 1024 * 1024
_DEVICE = re.compile(rb"^device ([0-9a-f]{32})\n")
_SIGNATURE = re.compile(rb"^signature ([0-9a-f]{128})\n")


class SyncFileError(ValueError):
    """A file that is not a readable sync file; the message says so in Chinese."""


def signed_part(device_id: str, payload_gz: bytes) -> bytes:
    return MAGIC + f"device {device_id}\n".encode("ascii") + payload_gz


def pack(device_id: str, payload_gz: bytes, signature: bytes) -> bytes:
    return MAGIC + f"device {device_id}\n".encode("ascii") + f"signature {signature.hex()}\n".encode("ascii") + payload_gz


def payload_of(request: PushRequest) -> bytes:
    return gzip.compress(request.model_dump_json(exclude_none=True).encode("utf-8"))


def unpack(data: bytes) -> tuple[str, bytes, bytes, PushRequest]:
    """(device_id, signature, signed bytes, request) of a sync file; raises SyncFileError."""
    if len(data) > MAX_FILE_BYTES:
        raise SyncFileError("同步文件太大，请在柜台端分几次导出。")
    if not data.startswith(MAGIC):
        raise SyncFileError("这不是乡村随身办的同步文件。")
    rest = data[len(MAGIC):]
    device = _DEVICE.match(rest)
    if not device:
        raise SyncFileError("同步文件已损坏（缺少设备编号）。")
    rest = rest[device.end():]
    signature = _SIGNATURE.match(rest)
    if not signature:
        raise SyncFileError("同步文件已损坏（缺少签名）。")
    payload_gz = rest[signature.end():]
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        raw = inflater.decompress(payload_gz, MAX_UNCOMPRESSED + 1)
        if len(raw) > MAX_UNCOMPRESSED or not inflater.eof:
            raise SyncFileError("同步文件已损坏或不完整，请重新导出。")
        request = PushRequest.model_validate_json(raw)
    except SyncFileError:
        raise
    except Exception as exc:  # zlib.error, pydantic.ValidationError: the content is not a batch
        raise SyncFileError("同步文件已损坏或不完整，请重新导出。") from exc
    device_id = device.group(1).decode("ascii")
    if request.device_id != device_id:
        raise SyncFileError("同步文件里的设备编号前后不一致，已拒收。")
    return device_id, bytes.fromhex(signature.group(1).decode("ascii")), signed_part(device_id, payload_gz), request
