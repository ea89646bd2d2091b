"""Export pending records to a signed, encrypted sync file (同步文件) for a point with no network for days, with the
material images (材料影像) those records attach, as far as the file's size allows (the rest follow by network or
the next file)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.store import evidence as evidence_store
from desktop.store.engine import read
from desktop.store.files import atomic_write_bytes
from desktop.store.ledger import LedgerStore, get_meta
from desktop.version import app_version
from sync.syncfile import (
    MAX_FILE_BYTES,
    NONCE_BYTES,
    associated_data,
    file_key,
    image_section,
    pack_sealed,
    payload_of,
    sealed_signed_part,
    token_hash_of,
)
from sync.wire import PushRequest, event_to_wire

MAX_EVENTS_PER_FILE = 20_000


class ExportError(Exception):
    pass


@dataclass(frozen=True)
class Exported:
    """What a sync file holds: records, the material images of those records, and images that did not fit."""

    records: int
    images: int = 0
    images_left: int = 0

    def message(self, path: Path) -> str:
        images = f"和 {self.images} 张材料影像" if self.images else ""
        left = (
            f"还有 {self.images_left} 张材料影像放不下，会在联网后上传，或下次导出时带上。" if self.images_left else ""
        )
        return f"已把 {self.records} 条待同步的记录{images}导出到 {path}。{left}"


def export_pending(store: LedgerStore, path: Path) -> Exported:
    """Write every record the county has not acknowledged, and their unsent images as far as they fit, to ``path``.

    Records stay pending on this PC until the county acknowledges them on a later online sync (it then
    answers "already had it"), so exporting twice, or losing the stick, never loses anything.
    """
    with read(store.engine) as conn:
        meta = get_meta(conn)
    if "signing_key" not in meta or "device_token" not in meta:
        raise ExportError("这台电脑还没有激活，不能导出同步文件。")
    events = store.pending_events(MAX_EVENTS_PER_FILE)
    if not events:
        raise ExportError("没有需要同步的记录，不用导出。")
    request = PushRequest(
        device_id=store.identity.device_id,
        from_seq=events[0].seq,
        prev_hash=events[0].prev_hash,
        head_hash=events[-1].hash,
        events=[event_to_wire(e) for e in events],
        app_version=app_version(),
    )
    images, left = _images(store, {e.seq for e in events}, MAX_FILE_BYTES - len(payload_of(request)) - 512)
    device_id = store.identity.device_id
    nonce = os.urandom(NONCE_BYTES)  # a fresh nonce per file: the key is the same for every file of this PC
    ciphertext = seal(meta["device_token"], device_id, nonce, payload_of(request, images))
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(meta["signing_key"]))
    signature = key.sign(sealed_signed_part(device_id, nonce, ciphertext))
    atomic_write_bytes(path, pack_sealed(device_id, nonce, ciphertext, signature))
    return Exported(len(events), len(images), left)


def seal(device_token: str, device_id: str, nonce: bytes, payload: bytes) -> bytes:
    """The payload encrypted (AES-256-GCM) for the county, under the key both derive from the credential."""
    key = file_key(token_hash_of(device_token), device_id)
    return AESGCM(key).encrypt(nonce, payload, associated_data(device_id, nonce))


def _images(store: LedgerStore, seqs: set[int], room: int) -> tuple[list[tuple[str, bytes]], int]:
    """The unsent images of the exported records, oldest first, as many as fit in ``room`` bytes, and how many
    did not fit; an image that no longer matches its record (swapped on this PC) is left out, as the uploader
    leaves it out (the case page says so)."""
    images, left = [], 0
    for image in evidence_store.unsent(store):
        if image.seq not in seqs:
            continue
        if left or image_section(image.sha256, b"") + image.size > room:
            left += 1
            continue
        try:
            data = evidence_store.image_data(store, image.seq)
        except ValueError:
            continue
        room -= image_section(image.sha256, data)
        images.append((image.sha256, data))
    return images, left
