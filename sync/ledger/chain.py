"""The per-device hash chain (哈希链): sealing events and verifying that a history is untouched."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sync.ledger.canonical import canonical_bytes, encode_checked
from sync.ledger.events import Event, EventDraft, adopt_event, event_header
from sync.ledger.kinds import EventType

GENESIS_HASH = "0" * 64
SALT_BYTES = 16


class ChainError(ValueError):
    """A history that does not verify; ``seq`` is where it first goes wrong."""

    def __init__(self, seq: int, reason: str):
        super().__init__(f"seq {seq}: {reason}")
        self.seq = seq
        self.reason = reason


def pii_digest(salt: bytes, field_name: str, value: str) -> str:
    """Salted SHA-256 of one personal field; the salt keeps short values (phones) from being guessed.

    ``hmac.new`` rather than the one-shot ``hmac.digest``: the one-shot call releases the GIL around even a
    few bytes, and getting it back behind a busy thread costs a whole switch interval (5 ms) per field.
    """
    data = field_name.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(salt, data, "sha256").hexdigest()


def pii_digests(salt: bytes, pii: Mapping[str, str]) -> dict[str, str]:
    return {name: pii_digest(salt, name, value) for name, value in pii.items()}


def event_hash(event: Event) -> str:
    return hashlib.sha256(canonical_bytes(event.header())).hexdigest()


def seal(draft: EventDraft, *, device_id: str, seq: int, prev_hash: str, salt: bytes | None = None) -> Event:
    """Give a draft its place in the chain: sequence number, previous hash, digests, own hash."""
    pii = dict(draft.pii)
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    return sealed(
        event_id=draft.event_id,
        device_id=device_id,
        seq=seq,
        event_type=draft.type,
        occurred_at=draft.occurred_at,
        body=dict(draft.body),
        prev_hash=prev_hash,
        pii=pii or None,
        salt=salt if pii else None,
    )


def sealed(
    *,
    event_id: str,
    device_id: str,
    seq: int,
    event_type: EventType,
    occurred_at: str,
    body: dict[str, Any],
    prev_hash: str,
    pii: dict[str, str] | None = None,
    salt: bytes | None = None,
    digests: Mapping[str, str] | None = None,
) -> Event:
    """The sealed event from its parts, hashed once: personal fields with their salt, or (purged) the digests."""
    return sealed_parts(
        event_id=event_id,
        device_id=device_id,
        seq=seq,
        event_type=event_type,
        occurred_at=occurred_at,
        body=body,
        prev_hash=prev_hash,
        pii=pii,
        salt=salt,
        digests=digests,
    ).event


@dataclass(frozen=True)
class SealedParts:
    """A sealed event with the canonical bytes of its body and digests, as they went into its hash."""

    event: Event
    body_json: bytes
    digests_json: bytes


def sealed_parts(
    *,
    event_id: str,
    device_id: str,
    seq: int,
    event_type: EventType,
    occurred_at: str,
    body: dict[str, Any],
    prev_hash: str,
    pii: dict[str, str] | None = None,
    salt: bytes | None = None,
    digests: Mapping[str, str] | None = None,
) -> SealedParts:
    """As ``sealed``, keeping the canonical body and digests (the county stores them as they were hashed).

    The header is checked once as a whole; the body and digests inside it need no second check.
    """
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    if pii:
        if salt is None:
            raise ValueError("personal fields without their salt")
        digests = pii_digests(salt, pii)
    body, digests = dict(body), dict(digests or {})  # the event's own: adopt_event wraps them without copying
    header = event_header(
        event_id=event_id,
        device_id=device_id,
        seq=seq,
        event_type=str(event_type),
        occurred_at=occurred_at,
        body=body,
        pii_digests=digests,
        prev_hash=prev_hash,
    )
    event = adopt_event(
        event_id=event_id,
        device_id=device_id,
        seq=seq,
        type=event_type,
        occurred_at=occurred_at,
        body=body,
        pii_digests=digests,
        prev_hash=prev_hash,
        hash=hashlib.sha256(canonical_bytes(header)).hexdigest(),
        pii=dict(pii) if pii else None,
        pii_salt=salt.hex() if pii and salt is not None else None,
    )
    return SealedParts(event, encode_checked(body), encode_checked(digests))


def check_pii(event: Event) -> None:
    """Raise ChainError if the stored personal fields do not match the digests the chain covers."""
    if event.pii is None:
        return  # purged: the digests alone stay under the chain
    if event.pii_salt is None:
        raise ChainError(event.seq, "personal fields without their salt")
    if set(event.pii) != set(event.pii_digests):
        raise ChainError(event.seq, "personal fields differ from the digested ones")
    expected = pii_digests(bytes.fromhex(event.pii_salt), event.pii)
    for name, digest in expected.items():
        if not hmac.compare_digest(digest, event.pii_digests[name]):
            raise ChainError(event.seq, f"personal field {name!r} was changed")


@dataclass(frozen=True)
class ChainHead:
    """Where a verified history ends: the next event must carry seq + 1 and prev_hash == hash."""

    seq: int
    hash: str


def verify_chain(
    events: Iterable[Event],
    *,
    device_id: str,
    start: ChainHead = ChainHead(0, GENESIS_HASH),
) -> ChainHead:
    """Check a run of one device's events in order; return the new head or raise ChainError.

    Detects edits (hash mismatch), deletions and insertions (sequence gaps, broken links),
    reordering, and events of another device spliced in.
    """
    head = start
    for event in events:
        expected_seq = head.seq + 1
        if event.device_id != device_id:
            raise ChainError(event.seq, "event belongs to another device")
        if event.seq != expected_seq:
            raise ChainError(expected_seq, f"expected seq {expected_seq}, found {event.seq}")
        if event.prev_hash != head.hash:
            raise ChainError(event.seq, "link to the previous event is broken")
        if not hmac.compare_digest(event_hash(event), event.hash):
            raise ChainError(event.seq, "content does not match its hash")
        check_pii(event)
        head = ChainHead(event.seq, event.hash)
    return head
