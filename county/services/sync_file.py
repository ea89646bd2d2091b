"""Importing a device's sync file (同步文件) from a USB stick, with the same guarantees as an online push.

The signature is checked first, on the encrypted bytes; only a file the device signed is decrypted (with the
key derived from the device credential's hash the county keeps), then inflated (up to
``Limits.max_sync_file_uncompressed``) and parsed, with the online push's strict JSON rules. The material
images the file carries after its batch are each checked against their hash and kept in the image store when
an accepted ``evidence.attached`` event of this device names them, as a finished upload would be. A file in
the older clear format (1) is read while the county's minimum counter version is below ``ENCRYPTED_SINCE``.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from county.config import Settings
from county.errors import CountyError, Refusal
from county.models import Device
from county.services import evidence, ingest, pii_keys
from county.services.auth import check_standing
from county.services.common import audit
from county.services.evidence_s3 import image_store
from county.services.pii import PiiBox
from county.services.strict_json import parse_model
from county.services.versions import parse_minimum
from sync.syncfile import (
    ENCRYPTED_SINCE,
    UNREADABLE,
    Header,
    SyncFileError,
    associated_data,
    file_key,
    read_header,
    split,
)
from sync.wire import PushRequest, PushResult


def import_file(
    session: Session,
    data: bytes,
    *,
    max_events: int,
    settings: Settings,
    actor: str,
    images_kept: list[str] | None = None,
) -> PushResult:
    """Check the signature, then inflate (bounded), parse (strict) and ingest as a push received now (its
    completions are credited by the import time), then keep the images its accepted events name (their hashes
    are added to ``images_kept``); raises CountyError."""
    box = pii_keys.attach(PiiBox.from_settings(settings), session.get_bind())
    try:
        header = read_header(data)
    except SyncFileError as exc:
        raise CountyError(Refusal.INVALID, "bad_sync_file", str(exc)) from exc
    device = session.get(Device, header.device_id, with_for_update=True)
    if device is None or not device.signing_key:
        raise CountyError(Refusal.NOT_FOUND, "unknown_device", "县里没有这台设备的激活记录，无法导入。")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(device.signing_key)).verify(header.signature, header.signed)
    except InvalidSignature as exc:
        raise CountyError(
            Refusal.INVALID, "bad_signature", "同步文件的签名不对（文件被改动过或不是这台设备导出的），已拒收。"
        ) from exc
    if not header.encrypted and _plain_retired(settings.min_app_version):
        raise CountyError(
            Refusal.INVALID,
            "plain_sync_file",
            f"这是旧版柜台软件导出的未加密同步文件，县里已不再接收。请把柜台软件更新到 {ENCRYPTED_SINCE} "
            "或更新的版本，再重新导出。",
        )
    try:
        raw, images = split(open_payload(header, device.token_hash), settings.limits.max_sync_file_uncompressed)
    except SyncFileError as exc:
        raise CountyError(Refusal.INVALID, "bad_sync_file", str(exc)) from exc
    request = parse_model(PushRequest, raw)
    if request.device_id != header.device_id:
        raise CountyError(Refusal.INVALID, "bad_sync_file", "同步文件里的设备编号前后不一致，已拒收。")
    point = check_standing(session, device)
    audit(
        session, actor, "syncfile.import", f"device:{device.id}", from_seq=request.from_seq, events=len(request.events)
    )
    try:
        result = ingest.push(
            session,
            device,
            point,
            request,
            max_events=max_events,
            box=box,
            rules=settings.clock,
            source="file",
            fraud=settings.fraud,
        )
    except ingest.Conflict as conflict:
        ingest.flag_tampering(session, device, conflict.seq, conflict.detail)
        raise
    session.flush()
    kept = evidence.receive_whole(session, device.id, images, image_store(settings), box) if images else []
    if images_kept is not None:
        images_kept.extend(kept)
    return result


def _plain_retired(minimum: str) -> bool:
    """Whether the county's minimum counter version retires the clear format: every counter it still accepts
    writes encrypted files (docs/sync-protocol.md, "Versioning")."""
    floor = parse_minimum(minimum)
    return floor is not None and floor >= parse_minimum(ENCRYPTED_SINCE)


def open_payload(header: Header, token_hash: str) -> bytes:
    """The payload, decrypted with the key of the device whose credential hashes to ``token_hash`` (format 1:
    as it is); call only once the signature was checked; SyncFileError if it does not open."""
    if not header.encrypted:
        return header.body
    try:
        key = file_key(token_hash, header.device_id)
        return AESGCM(key).decrypt(header.nonce, header.body, associated_data(header.device_id, header.nonce))
    except InvalidTag as exc:
        raise SyncFileError(UNREADABLE) from exc
