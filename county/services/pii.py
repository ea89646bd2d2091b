"""Personal fields at rest (个人信息加密存储): AES-256-GCM per event, and a keyed hash of each ID for look-ups.

Villagers' names, ID numbers, phones and addresses arrive with pushed events (``Event.pii``). The county stores
them sealed in ``ledger_event.pii_sealed`` — even for a rejected event — never in clear; beside it
``ledger_event.id_lookup`` is an HMAC-SHA-256 of the applicant's resident ID or credit code, so the county can
find a person's records without decrypting every row. The event id is the AES-GCM associated data: a sealed
value moved to another row does not open.

Envelope encryption: the AES-GCM and HMAC keys are data keys, numbered, stored in ``pii_key`` only wrapped by
the master key (32 bytes, hex, from ``SUISHENBAN_COUNTY_PII_KEY`` or its ``_FILE``; never in the database).
Changing the master key re-wraps a few data keys and touches no row; a new data key is taken up by every
instance within ``RING_REFRESH`` and the old rows are re-sealed in batches (county/services/pii_keys.py,
docs/privacy.md). Data key 1 of each purpose is the one earlier versions derived from the master key
(HKDF-SHA-256), so what they sealed still opens. Losing the master key loses every villager's personal data at
the county (docs/deployment.md says how to back it up).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from county.config import ConfigError, Settings
from county.services.common import utcnow

LEGACY_PREFIX = "1:"  # sealed by data key 1 before numbered keys: "1:" + base64(nonce + ciphertext)
SEALED_PREFIX = "2:"  # "2:<key number>:" + base64(nonce + ciphertext)
BYTES_PREFIX = b"SSBSEAL1"  # a sealed file (a material image): this, the key number (4 bytes), nonce, ciphertext
SEAL, LOOKUP = "seal", "lookup"
KEY_NAMES = {SEAL: "加密密钥", LOOKUP: "查找密钥"}  # as the bureau's commands and messages call them
RING_REFRESH = timedelta(minutes=5)  # how soon every instance seals with a new data key
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


def _master(master_hex: str) -> bytes:
    master = bytes.fromhex(master_hex)
    if len(master) != 32:
        raise ConfigError("个人信息密钥应为 64 位十六进制数（32 字节），请检查。")
    return master


@dataclass(frozen=True)
class Master:
    """A master key: it wraps data keys, and derives data key 1 of each purpose."""

    key: bytes
    id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _derive(self.key, b"master key id").hex()[:16])

    def legacy(self, purpose: str) -> bytes:
        return _derive(self.key, b"pii aes-gcm 1" if purpose == SEAL else b"id lookup hmac 1")

    def wrap(self, purpose: str, key_no: int, raw: bytes) -> str:
        nonce = os.urandom(12)
        box = AESGCM(_derive(self.key, b"data key wrap 1"))
        return base64.b64encode(nonce + box.encrypt(nonce, raw, f"{purpose}:{key_no}".encode())).decode("ascii")

    def unwrap(self, purpose: str, key_no: int, wrapped: str) -> bytes:
        raw = base64.b64decode(wrapped)
        box = AESGCM(_derive(self.key, b"data key wrap 1"))
        try:
            return box.decrypt(raw[:12], raw[12:], f"{purpose}:{key_no}".encode())
        except InvalidTag as exc:
            raise ConfigError("个人信息密钥打不开数据库里的数据密钥：密钥不对，不能用它启动县级端。") from exc


@dataclass(frozen=True)
class WrappedKey:
    purpose: str
    key_no: int
    wrapped: str
    master_id: str


@dataclass(frozen=True)
class Ring:
    """The data keys in use: raw, by purpose and number; the highest number of each purpose seals and hashes."""

    keys: Mapping[tuple[str, int], bytes]

    def active(self, purpose: str) -> int:
        return max(no for kind, no in self.keys if kind == purpose)

    def key(self, purpose: str, key_no: int) -> bytes | None:
        return self.keys.get((purpose, key_no))


class PiiBox:
    """Seals and opens one event's personal fields; makes the look-up key of an ID.

    Alone it uses data keys 1 (derived from the master key). ``attach`` gives it the database's key ring,
    loaded by ``loader`` now, again every ``RING_REFRESH`` and whenever a value names a key it does not hold.
    """

    def __init__(self, master_hex: str, previous_hex: str = ""):
        self.master = Master(_master(master_hex))
        self.previous = Master(_master(previous_hex)) if previous_hex else None
        self._ring = Ring({(p, 1): self.master.legacy(p) for p in (SEAL, LOOKUP)})
        self._loader: Callable[[], Iterable[WrappedKey]] | None = None
        self._loaded_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> PiiBox:
        if not settings.pii_key:
            raise ConfigError(NO_KEY)
        return cls(settings.pii_key, settings.pii_key_previous)

    # the ring

    def attach(self, loader: Callable[[], Iterable[WrappedKey]]) -> None:
        self._loader = loader
        self.reload()

    def reload(self) -> None:
        assert self._loader is not None
        masters = {m.id: m for m in (self.master, self.previous) if m is not None}
        keys = {}
        for row in self._loader():
            master = masters.get(row.master_id)
            if master is None:
                raise ConfigError(
                    f"这个个人信息密钥不对：数据库里的第 {row.key_no} 号{KEY_NAMES[row.purpose]}不是用它加密的，不能用它启动县级端。"
                    "（更换主密钥期间，旧密钥放在 SUISHENBAN_COUNTY_PII_KEY_PREVIOUS。）"
                )
            keys[(row.purpose, row.key_no)] = master.unwrap(row.purpose, row.key_no, row.wrapped)
        if keys:
            self._ring = Ring(keys)
        self._loaded_at = utcnow()

    @property
    def ring(self) -> Ring:
        if self._loader is not None and (self._loaded_at is None or utcnow() - self._loaded_at > RING_REFRESH):
            self.reload()
        return self._ring

    def _key(self, purpose: str, key_no: int) -> bytes:
        key = self.ring.key(purpose, key_no)
        if key is None and self._loader is not None:
            self.reload()  # sealed by another instance with a key newer than this one's ring
            key = self._ring.key(purpose, key_no)
        if key is None:
            raise PiiError(f"no {purpose} key {key_no}")
        return key

    # sealing

    def seal(self, pii: Mapping[str, str], event_id: str) -> str:
        key_no = self.ring.active(SEAL)
        nonce = os.urandom(12)
        sealed = AESGCM(self._key(SEAL, key_no)).encrypt(nonce, orjson.dumps(dict(pii)), event_id.encode("ascii"))
        return f"{SEALED_PREFIX}{key_no}:" + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, event_id: str) -> dict[str, str]:
        key_no, raw = sealed_key_no(sealed), base64.b64decode(sealed.rsplit(":", 1)[1])
        try:
            return orjson.loads(AESGCM(self._key(SEAL, key_no)).decrypt(raw[:12], raw[12:], event_id.encode("ascii")))
        except InvalidTag as exc:
            raise PiiError("personal fields do not open under this key") from exc

    def opener(self) -> Callable[[str, str], dict[str, str]]:
        """``open`` for many values at once (a feed page): each data key's cipher is made once, not per value."""
        ciphers: dict[int, AESGCM] = {}

        def open_one(sealed: str, event_id: str) -> dict[str, str]:
            key_no = sealed_key_no(sealed)
            cipher = ciphers.get(key_no)
            if cipher is None:
                cipher = ciphers[key_no] = AESGCM(self._key(SEAL, key_no))
            raw = base64.b64decode(sealed.rsplit(":", 1)[1])
            try:
                return orjson.loads(cipher.decrypt(raw[:12], raw[12:], event_id.encode("ascii")))
            except InvalidTag as exc:
                raise PiiError("personal fields do not open under this key") from exc

        return open_one

    def seal_bytes(self, data: bytes, context: str) -> bytes:
        """A file's bytes sealed like personal fields (a material image at rest); ``context`` binds it to its name."""
        key_no = self.ring.active(SEAL)
        nonce = os.urandom(12)
        sealed = AESGCM(self._key(SEAL, key_no)).encrypt(nonce, data, context.encode("ascii"))
        return BYTES_PREFIX + key_no.to_bytes(4, "big") + nonce + sealed

    def open_bytes(self, sealed: bytes, context: str) -> bytes:
        if not sealed.startswith(BYTES_PREFIX):
            raise PiiError("not a sealed file")
        head = len(BYTES_PREFIX)
        key_no = int.from_bytes(sealed[head : head + 4], "big")
        nonce, body = sealed[head + 4 : head + 16], sealed[head + 16 :]
        try:
            return AESGCM(self._key(SEAL, key_no)).decrypt(nonce, body, context.encode("ascii"))
        except InvalidTag as exc:
            raise PiiError("file does not open under this key") from exc

    # look-ups

    def id_lookup(self, kind: str, number: str, *, key_no: int | None = None) -> str:
        """The keyed hash of a normalised resident ID (``person``) or credit code (``org``)."""
        key = self._key(LOOKUP, key_no or self.ring.active(LOOKUP))
        return hmac.new(key, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()

    def lookup_of(self, pii: Mapping[str, str] | None, *, key_no: int | None = None) -> str | None:
        """The look-up key of an event's applicant, if its personal fields name one."""
        for field_name, kind in ID_FIELDS:
            if pii and pii.get(field_name):
                return self.id_lookup(kind, pii[field_name], key_no=key_no)
        return None

    def columns(self, pii: Mapping[str, str] | None, event_id: str) -> dict[str, str | int | None]:
        """The ledger row's personal-data columns for an event (``pii`` stays NULL: never in clear)."""
        if pii is None:
            return {"pii": None, "pii_sealed": None, "id_lookup": None, "lookup_key": None}
        key_no = self.ring.active(LOOKUP)
        lookup = self.lookup_of(pii, key_no=key_no)
        return {
            "pii": None,
            "pii_sealed": self.seal(pii, event_id),
            "id_lookup": lookup,
            "lookup_key": key_no if lookup else None,
        }


def sealed_key_no(sealed: str) -> int:
    """The number of the data key that sealed a value."""
    if sealed.startswith(LEGACY_PREFIX):
        return 1
    if sealed.startswith(SEALED_PREFIX) and sealed.count(":") == 2:
        number = sealed.split(":")[1]
        if number.isdigit():
            return int(number)
    raise PiiError("unknown sealed format")


def event_pii(box: PiiBox, row) -> dict[str, str] | None:
    """A stored event's personal fields: opened, or as a row not yet migrated holds them (``encrypt-pii``)."""
    if row.pii_sealed is not None:
        return box.open(row.pii_sealed, row.event_id)
    return row.pii
