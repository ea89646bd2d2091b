"""Personal fields at rest (个人信息加密存储): AES-256-GCM per event, and a keyed hash of each ID for look-ups.

Villagers' names, ID numbers, phones and addresses arrive with pushed events (``Event.pii``). The county stores
them sealed in ``ledger_event.pii_sealed`` — even for a rejected event — never in clear. The master key (32 bytes,
hex) comes from ``SUISHENBAN_COUNTY_PII_KEY`` or the file named by ``SUISHENBAN_COUNTY_PII_KEY_FILE``, never from
the database; two keys are derived from it with HKDF-SHA-256: one for AES-GCM, one for HMAC-SHA-256 look-up
keys (``ledger_event.id_lookup``: the applicant's resident ID or credit code, so the county can find a person's
records and apply the duplicate rule without decrypting every row). The event id is the AES-GCM associated data:
a sealed value moved to another row does not open. Losing the key loses every villager's personal data at the
county (docs/deployment.md says how to back it up).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from county.config import ConfigError, Settings

SEALED_PREFIX = "1:"  # the format version: a later key or cipher gets the next number
NO_KEY = (
    "没有设置个人信息密钥：请设置环境变量 SUISHENBAN_COUNTY_PII_KEY（64 位十六进制）或 "
    "SUISHENBAN_COUNTY_PII_KEY_FILE（密钥文件路径），见 docs/deployment.md。县级端不会在没有密钥时保存群众个人信息。"
)
ID_FIELDS = (("id_number", "person"), ("credit_code", "org"))  # the applicant's identifier, as forms store it


class PiiError(ValueError):
    """A sealed value that does not open under this key (wrong key, or the row was tampered with)."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"suishenban-county " + purpose).derive(master)


def new_key() -> str:
    """A fresh master key, hex (for ``suishenban-county new-pii-key``, training and tests)."""
    return os.urandom(32).hex()


class PiiBox:
    """Seals and opens one event's personal fields; makes the look-up key of an ID."""

    def __init__(self, master_hex: str):
        master = bytes.fromhex(master_hex)
        if len(master) != 32:
            raise ConfigError("个人信息密钥应为 64 位十六进制数（32 字节），请检查。")
        self._aead = AESGCM(_derive(master, b"pii aes-gcm 1"))
        self._lookup = _derive(master, b"id lookup hmac 1")

    @classmethod
    def from_settings(cls, settings: Settings) -> PiiBox:
        if not settings.pii_key:
            raise ConfigError(NO_KEY)
        return cls(settings.pii_key)

    def seal(self, pii: Mapping[str, str], event_id: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, orjson.dumps(dict(pii)), event_id.encode("ascii"))
        return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, event_id: str) -> dict[str, str]:
        if not sealed.startswith(SEALED_PREFIX):
            raise PiiError("unknown sealed format")
        raw = base64.b64decode(sealed[len(SEALED_PREFIX) :])
        try:
            return orjson.loads(self._aead.decrypt(raw[:12], raw[12:], event_id.encode("ascii")))
        except InvalidTag as exc:
            raise PiiError("personal fields do not open under this key") from exc

    def id_lookup(self, kind: str, number: str) -> str:
        """The keyed hash of a normalised resident ID (``person``) or credit code (``org``)."""
        return hmac.new(self._lookup, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()

    def lookup_of(self, pii: Mapping[str, str] | None) -> str | None:
        """The look-up key of an event's applicant, if its personal fields name one."""
        for field, kind in ID_FIELDS:
            if pii and pii.get(field):
                return self.id_lookup(kind, pii[field])
        return None

    def columns(self, pii: Mapping[str, str] | None, event_id: str) -> dict[str, str | None]:
        """The ledger row's personal-data columns for an event (``pii`` stays NULL: never in clear)."""
        if pii is None:
            return {"pii": None, "pii_sealed": None, "id_lookup": None}
        return {"pii": None, "pii_sealed": self.seal(pii, event_id), "id_lookup": self.lookup_of(pii)}


def event_pii(box: PiiBox, row) -> dict[str, str] | None:
    """A stored event's personal fields: opened, or as a row not yet migrated holds them (``encrypt-pii``)."""
    if row.pii_sealed is not None:
        return box.open(row.pii_sealed, row.event_id)
    return row.pii
