"""The offline sync file (同步文件): a signed, encrypted push batch carried on a USB stick to the county.

Layout, format 2 (all ASCII lines, then binary)::

    SUISHENBAN-SYNC 2\\n
    device <32 hex>\\n
    nonce <24 hex>\\n
    signature <128 hex>\\n
    <AES-256-GCM of the payload, its 16-byte tag at the end>

The payload is what format 1 carried in clear: the gzip of a PushRequest as JSON, then the material images of
those events, each as ``image <sha256 hex> <size>\\n`` and its bytes. The key is derived (HKDF-SHA-256) from
the device credential's SHA-256, which only the device (that holds the credential, inside its encrypted ledger)
and the county (that keeps only that hash) know, so a found stick reads as noise; the magic, device and nonce
lines are the associated data, so none of them can be swapped. The Ed25519 signature covers the magic, device
and nonce lines and the ciphertext: the county checks it (the device's public key reached it at enrolment)
before it decrypts or inflates anything (``read_header``, then ``open_payload``, then ``split`` with a bound),
parses the batch with the online push's strict JSON rules and ingests it exactly as an online push
(docs/sync-protocol.md, "Sync file").

Format 1 (``SUISHENBAN-SYNC 1``, no nonce line, the payload in clear, signed the same way) was written before
the encryption; the county still reads it while its minimum counter version is below ``ENCRYPTED_SINCE``.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import re
import zlib
from dataclasses import dataclass

from sync.wire import PushRequest

MAGIC_PLAIN = b"SUISHENBAN-SYNC 1\n"  # format 1: signed, not encrypted
MAGIC = b"SUISHENBAN-SYNC 2\n"  # format 2: signed and encrypted
ENCRYPTED_SINCE = "0.2.0"  # the first release that writes format 2: a county whose minimum is this refuses format 1
MAX_FILE_BYTES = 64 * 1024 * 1024
NONCE_BYTES = 12
_DEVICE = re.compile(rb"^device ([0-9a-f]{32})\n")
_NONCE = re.compile(rb"^nonce ([0-9a-f]{24})\n")
_SIGNATURE = re.compile(rb"^signature ([0-9a-f]{128})\n")
_IMAGE = re.compile(rb"image ([0-9a-f]{64}) (\d{1,9})\n")


UNREADABLE = "同步文件解不开：文件被改动过，或不是这台设备给本县导出的，已拒收。请在柜台端重新导出。"


class SyncFileError(ValueError):
    """A file that is not a readable sync file; the message says so in Chinese."""


def signed_part(device_id: str, payload_gz: bytes) -> bytes:
    """What a format-1 file's signature covers."""
    return MAGIC_PLAIN + f"device {device_id}\n".encode("ascii") + payload_gz


def pack(device_id: str, payload_gz: bytes, signature: bytes) -> bytes:
    """A format-1 file: the payload in clear (what older counters wrote)."""
    return (
        MAGIC_PLAIN
        + f"device {device_id}\n".encode("ascii")
        + f"signature {signature.hex()}\n".encode("ascii")
        + payload_gz
    )


def file_key(token_hash: str, device_id: str) -> bytes:
    """The AES-256 key of this device's sync files, from the SHA-256 (hex) of its device credential: HKDF-SHA-256
    (RFC 5869; one block of output, so extract and a single expand step), written with the standard library
    because this package imports no cryptography; the cipher itself is the counter's and the county's."""
    prk = hmac.new(device_id.encode("ascii"), bytes.fromhex(token_hash), hashlib.sha256).digest()
    return hmac.new(prk, b"suishenban sync file 2" + b"\x01", hashlib.sha256).digest()


def token_hash_of(device_token: str) -> str:
    """The SHA-256 of the credential's secret (``<device_id>.<secret>``) as the county keeps it
    (``Device.token_hash``, county/services/auth.py)."""
    secret = device_token.partition(".")[2]
    if not secret:
        raise ValueError("not a device credential")
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def associated_data(device_id: str, nonce: bytes) -> bytes:
    """The magic, device and nonce lines: the cipher's associated data, and the head of what is signed."""
    return MAGIC + f"device {device_id}\n".encode("ascii") + f"nonce {nonce.hex()}\n".encode("ascii")


def sealed_signed_part(device_id: str, nonce: bytes, ciphertext: bytes) -> bytes:
    """What a format-2 file's signature covers: its lines before the signature, and the ciphertext."""
    return associated_data(device_id, nonce) + ciphertext


def pack_sealed(device_id: str, nonce: bytes, ciphertext: bytes, signature: bytes) -> bytes:
    return associated_data(device_id, nonce) + f"signature {signature.hex()}\n".encode("ascii") + ciphertext


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
    """What a sync file says before its payload is touched: enough to check the signature first. ``body`` is
    the ciphertext (format 2) or the payload itself (format 1)."""

    device_id: str
    signature: bytes
    body: bytes
    nonce: bytes | None = None  # None: format 1, in clear

    @property
    def encrypted(self) -> bool:
        return self.nonce is not None

    @property
    def signed(self) -> bytes:
        if not self.encrypted:
            return signed_part(self.device_id, self.body)
        return sealed_signed_part(self.device_id, self.nonce, self.body)


def read_header(data: bytes) -> Header:
    """The device and signature of a sync file, its payload left compressed; raises SyncFileError."""
    if len(data) > MAX_FILE_BYTES:
        raise SyncFileError("同步文件太大，请在柜台端分几次导出。")
    encrypted = data.startswith(MAGIC)
    if encrypted:
        rest = data[len(MAGIC) :]
    elif data.startswith(MAGIC_PLAIN):
        rest = data[len(MAGIC_PLAIN) :]
    elif data.startswith(b"SUISHENBAN-SYNC "):
        raise SyncFileError("这个同步文件是更新版本的柜台软件导出的，县里的软件需要先更新才能导入。")
    else:
        raise SyncFileError("这不是乡村随身办的同步文件。")
    device = _DEVICE.match(rest)
    if not device:
        raise SyncFileError("同步文件已损坏（缺少设备编号）。")
    rest = rest[device.end() :]
    nonce = None
    if encrypted:
        found = _NONCE.match(rest)
        if not found:
            raise SyncFileError("同步文件已损坏（缺少加密信息）。")
        nonce, rest = bytes.fromhex(found.group(1).decode("ascii")), rest[found.end() :]
    signature = _SIGNATURE.match(rest)
    if not signature:
        raise SyncFileError("同步文件已损坏（缺少签名）。")
    return Header(
        device.group(1).decode("ascii"),
        bytes.fromhex(signature.group(1).decode("ascii")),
        rest[signature.end() :],
        nonce,
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
