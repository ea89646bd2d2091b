"""Ledger events (台账事件): the draft an action produces and the sealed, chained record a device keeps."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sync.clock import CHINA_TZ as CHINA_TZ  # re-exported: where most callers look for the clock's names
from sync.clock import china_now as china_now
from sync.clock import current
from sync.ledger.kinds import EventType

SCHEMA_VERSION = 1


def format_time(moment: datetime) -> str:
    """Millisecond ISO 8601 in China time, e.g. 2026-11-27T09:30:12.345+08:00."""
    if moment.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return moment.astimezone(CHINA_TZ).isoformat(timespec="milliseconds")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("event times must carry their UTC offset")
    return moment


def new_id() -> str:
    """A device-generated id: the idempotency key for events, cases and mailings.

    Laid out as a UUID version 7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, the
    rest random but for the version and variant bits. Ids made later sort later, so the county's and the
    counter's indexes on them grow at one end instead of dirtying a random page per new row; 74 random
    bits still keep two ids made in the same millisecond apart.
    """
    value = current().epoch_ms() << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # variant 10
    return f"{value:032x}"


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class EventDraft:
    """What a user action wants to record, before the store gives it a sequence number and seals it.

    ``pii`` holds the personal fields (name, ID number, phone, address); the chain covers only
    salted digests of them, so they can be purged after their retention time.
    """

    type: EventType
    body: Mapping[str, Any]
    pii: Mapping[str, str] = field(default_factory=dict)
    occurred_at: str = field(default_factory=lambda: format_time(china_now()))
    event_id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", EventType(self.type))
        object.__setattr__(self, "body", _frozen(self.body))
        object.__setattr__(self, "pii", _frozen(self.pii))


def event_header(
    *,
    event_id: str,
    device_id: str,
    seq: int,
    event_type: str,
    occurred_at: str,
    body: dict[str, Any],
    pii_digests: dict[str, str],
    prev_hash: str,
) -> dict[str, Any]:
    """The hashed part of an event (docs/sync-protocol.md, "The chain"): plain dicts, ready to serialise."""
    return {
        "v": SCHEMA_VERSION,
        "event_id": event_id,
        "device_id": device_id,
        "seq": seq,
        "type": event_type,
        "occurred_at": occurred_at,
        "body": body,
        "pii_digests": pii_digests,
        "prev_hash": prev_hash,
    }


@dataclass(frozen=True)
class Event:
    """A sealed event: its place in one device's chain and the hash that binds it there."""

    event_id: str
    device_id: str
    seq: int
    type: EventType
    occurred_at: str
    body: Mapping[str, Any]
    pii_digests: Mapping[str, str]
    prev_hash: str
    hash: str
    pii: Mapping[str, str] | None = None  # None once purged
    pii_salt: str | None = None  # hex; purged together with pii

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", EventType(self.type))
        object.__setattr__(self, "body", _frozen(self.body))
        object.__setattr__(self, "pii_digests", _frozen(self.pii_digests))
        if self.pii is not None:
            object.__setattr__(self, "pii", _frozen(self.pii))

    def header(self) -> dict[str, Any]:
        """The hashed part of the event: everything but the hash itself and the raw personal fields."""
        return event_header(
            event_id=self.event_id,
            device_id=self.device_id,
            seq=self.seq,
            event_type=str(self.type),
            occurred_at=self.occurred_at,
            body=dict(self.body),
            pii_digests=dict(self.pii_digests),
            prev_hash=self.prev_hash,
        )

    @property
    def subject_id(self) -> str | None:
        """The case, mailing or relayed consultation this event is about, if any."""
        body = self.body
        return body.get("case_id") or body.get("mailing_id") or body.get("consult_id")  # type: ignore[return-value]


def adopt_event(
    *,
    event_id: str,
    device_id: str,
    seq: int,
    type: EventType,
    occurred_at: str,
    body: dict[str, Any],
    pii_digests: dict[str, str],
    prev_hash: str,
    hash: str,
    pii: dict[str, str] | None,
    pii_salt: str | None,
) -> Event:
    """The Event that Event(...) would build, around dicts made for it alone (nobody else keeps them).

    Event(...) copies each mapping before wrapping it read-only; sealing builds them fresh, so here they are
    wrapped as they are. Equal to Event(...) of the same fields.
    """
    event = object.__new__(Event)
    event.__dict__.update(
        event_id=event_id,
        device_id=device_id,
        seq=seq,
        type=EventType(type),
        occurred_at=occurred_at,
        body=MappingProxyType(body),
        pii_digests=MappingProxyType(pii_digests),
        prev_hash=prev_hash,
        hash=hash,
        pii=None if pii is None else MappingProxyType(pii),
        pii_salt=pii_salt,
    )
    return event
