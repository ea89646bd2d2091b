"""The key ring (密钥环): the store's random data key, wrapped by the agent's password and a recovery code.

The SQLCipher database is encrypted with a random 256-bit data key. The key ring file keeps that key
twice, each copy sealed with AES-256-GCM under a key derived with Argon2id: once from the agent's
password, once from a recovery code (恢复码) shown a single time when the store is created and kept on
paper by the point and the township. Changing the password re-wraps the data key; the database itself
is never re-encrypted. If the password is forgotten, the recovery code unlocks the store and a new
password is set (see docs/architecture.md, "Recovery path").
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from desktop.store.files import atomic_write_bytes

KEY_BYTES = 32
RING_VERSION = 1
# Argon2id cost: ~0.1 s on a 2-core counter PC; memory-hard so a stolen key ring is slow to attack.
DEFAULT_COST = {"iterations": 2, "lanes": 2, "memory_cost": 64 * 1024}
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0, O, 1 or I: nothing to misread
MIN_PASSWORD_LEN = 6


class KeyRingError(Exception):
    """A key ring problem, with a message the agent can act on."""


class WrongSecret(KeyRingError):
    pass


@dataclass(frozen=True)
class Unlocked:
    data_key: bytes

    @property
    def sqlcipher_key(self) -> str:
        """The raw-key form of PRAGMA key: skips SQLCipher's own (slow) key derivation."""
        return f"\"x'{self.data_key.hex()}'\""


def _derive(secret: str, salt: bytes, cost: dict) -> bytes:
    kdf = Argon2id(salt=salt, length=KEY_BYTES, **cost)
    return kdf.derive(secret.encode("utf-8"))


def _wrap(data_key: bytes, secret: str, cost: dict) -> dict:
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_derive(secret, salt, cost)).encrypt(nonce, data_key, b"suishenban-keyring")
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return {"kdf": "argon2id", "cost": cost, "salt": b64(salt), "nonce": b64(nonce), "sealed": b64(sealed)}


def _unwrap(entry: dict, secret: str) -> bytes:
    raw = {k: base64.b64decode(entry[k]) for k in ("salt", "nonce", "sealed")}
    try:
        return AESGCM(_derive(secret, raw["salt"], entry["cost"])).decrypt(
            raw["nonce"], raw["sealed"], b"suishenban-keyring"
        )
    except InvalidTag as exc:
        raise WrongSecret("密码不对，请重新输入。") from exc


def new_recovery_code() -> str:
    """Twenty characters in groups of four, easy to copy by hand: e.g. 'K7QX-M2PA-...'."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(20))
    return "-".join(chars[i : i + 4] for i in range(0, 20, 4))


def normalize_recovery_code(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LEN:
        raise KeyRingError(f"密码至少要 {MIN_PASSWORD_LEN} 位，请换一个更长的密码。")


def create_keyring(path: Path, password: str, *, cost: dict | None = None) -> tuple[Unlocked, str]:
    """Make a new data key; return it and the recovery code (show it once, never store it)."""
    if path.exists():
        raise KeyRingError("这台电脑上已经有台账了，不能重复创建。")
    check_new_password(password)
    cost = cost or DEFAULT_COST
    data_key = os.urandom(KEY_BYTES)
    recovery = new_recovery_code()
    ring = {
        "version": RING_VERSION,
        "password": _wrap(data_key, password, cost),
        "recovery": _wrap(data_key, recovery, cost),
    }
    atomic_write_bytes(path, json.dumps(ring, indent=1).encode("utf-8"))
    return Unlocked(data_key), recovery


def _load(path: Path) -> dict:
    try:
        ring = json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise KeyRingError("找不到台账密钥文件，请联系乡镇或县政务服务管理局。") from exc
    except ValueError as exc:
        raise KeyRingError("台账密钥文件已损坏，请用恢复码恢复，或联系县政务服务管理局。") from exc
    if ring.get("version") != RING_VERSION:
        raise KeyRingError("台账密钥文件的版本比本软件新，请先升级软件。")
    return ring


def unlock(path: Path, password: str) -> Unlocked:
    return Unlocked(_unwrap(_load(path)["password"], password))


def unlock_with_recovery(path: Path, recovery_code: str) -> Unlocked:
    try:
        return Unlocked(_unwrap(_load(path)["recovery"], normalize_recovery_code(recovery_code)))
    except WrongSecret as exc:
        raise WrongSecret("恢复码不对，请核对纸上的恢复码后重新输入。") from exc


def set_password(path: Path, unlocked: Unlocked, new_password: str) -> None:
    """Re-wrap the data key under a new password (after login, or after unlocking with the recovery code)."""
    check_new_password(new_password)
    ring = _load(path)
    ring["password"] = _wrap(unlocked.data_key, new_password, ring["password"]["cost"])
    atomic_write_bytes(path, json.dumps(ring, indent=1).encode("utf-8"))
