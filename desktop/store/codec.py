"""Row ↔ event conversion for the event table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sync.ledger.canonical import canonical_bytes
from sync.ledger.events import Event


def _json(value: Any) -> str:
    return canonical_bytes(value).decode("utf-8")


def event_to_row(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "event_id": event.event_id,
        "type": str(event.type),
        "occurred_at": event.occurred_at,
        "subject_id": event.subject_id,
        "body_json": _json(dict(event.body)),
        "pii_digests_json": _json(dict(event.pii_digests)),
        "pii_json": _json(dict(event.pii)) if event.pii is not None else None,
        "pii_salt": event.pii_salt,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def row_to_event(row: Mapping[str, Any], device_id: str) -> Event:
    return Event(
        event_id=row["event_id"],
        device_id=device_id,
        seq=row["seq"],
        type=row["type"],
        occurred_at=row["occurred_at"],
        body=json.loads(row["body_json"]),
        pii_digests=json.loads(row["pii_digests_json"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        pii=json.loads(row["pii_json"]) if row["pii_json"] is not None else None,
        pii_salt=row["pii_salt"],
    )
