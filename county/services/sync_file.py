"""Importing a device's sync file (同步文件) from a USB stick, with the same guarantees as an online push."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from county.config import ClockRules
from county.errors import ApiError
from county.models import Device
from county.services import ingest
from county.services.auth import check_standing
from county.services.common import audit
from sync.syncfile import SyncFileError, unpack
from sync.wire import PushResult


def import_file(session: Session, data: bytes, *, max_events: int, actor: str,
                rules: ClockRules | None = None) -> PushResult:
    """Ingest a device's sync file as a push received now: its completions are credited by the import time."""
    try:
        device_id, signature, signed, request = unpack(data)
    except SyncFileError as exc:
        raise ApiError(400, "bad_sync_file", str(exc)) from exc
    device = session.get(Device, device_id, with_for_update=True)
    if device is None or not device.signing_key:
        raise ApiError(404, "unknown_device", "县里没有这台设备的激活记录，无法导入。")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(device.signing_key)).verify(signature, signed)
    except InvalidSignature as exc:
        raise ApiError(400, "bad_signature", "同步文件的签名不对（文件被改动过或不是这台设备导出的），已拒收。") from exc
    point = check_standing(session, device)
    audit(session, actor, "syncfile.import", f"device:{device_id}", from_seq=request.from_seq, events=len(request.events))
    try:
        return ingest.push(session, device, point, request, max_events=max_events, rules=rules, source="file")
    except ingest.Conflict as conflict:
        ingest.flag_tampering(session, device, conflict.seq, conflict.detail)
        raise
