"""The county feed on the counter: pulled items stored, folded into the projections, replayed on rebuild."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator

from sqlalchemy import Connection, func, insert, select

from desktop.store import projections
from desktop.store.schema import county_item, event
from sync.ledger.events import Event, china_now, format_time
from sync.ledger.kinds import EventType
from sync.ledger.lifecycle import LifecycleError
from sync.ledger.workdays import WorkdayTable, bundled_table, table_from_payload

log = logging.getLogger(__name__)
COUNTY_DEVICE = "county"
RETURN_MAILING_KEYS = ("mailing_id", "case_id", "receipt_no", "unit_code", "tracking_no", "contents", "mailed_at")


FOLDED_KINDS = ("case_status", "return_mailing")  # the items that change the projections


def as_event(row: dict) -> Event | None:
    """A case-status or return-mailing item as the event the projections fold (county-authored, outside our chain)."""
    if row["kind"] not in FOLDED_KINDS:
        return None
    payload = json.loads(row["payload_json"]) if isinstance(row.get("payload_json"), str) else row["payload"]
    if row["kind"] == "case_status":
        kind = EventType.CASE_STATUS_CHANGED
        body = {"case_id": payload["case_id"], "status": payload["status"], "note": payload.get("note", "")}
    else:
        kind = EventType.MAILING_RETURNED
        body = {key: payload.get(key) for key in RETURN_MAILING_KEYS}
    return Event(
        event_id=f"county-{row['cursor']}",
        device_id=COUNTY_DEVICE,
        seq=row["applied_after_seq"],
        type=kind,
        occurred_at=payload.get("changed_at") or payload.get("mailed_at") or row["created_at"],
        body=body,
        pii_digests={},
        prev_hash="",
        hash="",
    )


def fold(conn: Connection, row: dict) -> tuple[str, str | None]:
    """Apply one item; a status the case can no longer take (stale, or the case was voided) is kept, not applied."""
    try:
        pseudo = as_event(row)
    except (KeyError, TypeError) as exc:
        log.warning("a county item of kind %s is malformed; kept, not applied", row["kind"])
        return "stale", f"malformed: {exc}"
    if pseudo is None:
        return "stored", None
    try:
        with conn.begin_nested():
            projections.apply(conn, pseudo)
    except (LifecycleError, projections.ProjectionError, KeyError) as exc:
        return "stale", str(exc)
    return "applied", None


def store_items(conn: Connection, items: Iterable[dict]) -> int:
    """Insert newly pulled items (ignoring any already held) and fold each in; returns how many were new."""
    head = conn.execute(select(func.coalesce(func.max(event.c.seq), 0))).scalar_one()
    known = set(conn.execute(select(county_item.c.cursor)).scalars())
    now, added = format_time(china_now()), 0
    for item in items:
        if item["cursor"] in known:
            continue
        row = {
            "cursor": item["cursor"],
            "kind": item["kind"],
            "payload": item["payload"],
            "created_at": item["created_at"],
            "applied_after_seq": head,
        }
        outcome, note = fold(conn, row)
        conn.execute(
            insert(county_item).values(
                cursor=item["cursor"],
                kind=item["kind"],
                payload_json=json.dumps(item["payload"], ensure_ascii=False),
                created_at=item["created_at"],
                received_at=now,
                applied_after_seq=head,
                outcome=outcome,
                note=note,
            )
        )
        known.add(item["cursor"])
        added += 1
    return added


def merged(conn: Connection, device_events: Iterator[Event]) -> Iterator[tuple[Event, bool]]:
    """Device events and county status and return-mailing items in the order they were first applied (for rebuilds).

    Yields (event, from_county); an item applied after device event N comes right after it.
    """
    rows = (
        conn.execute(
            select(county_item)
            .where(county_item.c.kind.in_(FOLDED_KINDS))
            .order_by(county_item.c.applied_after_seq, county_item.c.cursor)
        )
        .mappings()
        .all()
    )
    pending = [as_event(dict(r)) for r in rows if r["outcome"] == "applied"]
    i = 0
    while i < len(pending) and pending[i].seq == 0:
        yield pending[i], True
        i += 1
    for ev in device_events:
        yield ev, False
        while i < len(pending) and pending[i].seq == ev.seq:
            yield pending[i], True
            i += 1
    for rest in pending[i:]:
        yield rest, True


def workday_table(conn: Connection) -> WorkdayTable:
    """The working-day table in force: the newest the county published for the years it covers, and the one
    shipped with the app for the rest; days neither covers are counted by weekends only (时限待确认)."""
    payloads = (
        conn.execute(
            select(county_item.c.payload_json)
            .where(county_item.c.kind == "workdays")
            .order_by(county_item.c.cursor.desc())
        )
        .scalars()
        .all()
    )
    bundled = bundled_table()
    for payload in payloads:
        try:
            table = table_from_payload(json.loads(payload))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed working-day table from the county")
            continue
        return WorkdayTable(
            table.years | bundled.years,
            _overlay(table.holidays, bundled.holidays, table.years),
            _overlay(table.workdays, bundled.workdays, table.years),
        )
    return bundled


def _overlay(county: frozenset, bundled: frozenset, county_years: frozenset[int]) -> frozenset:
    """The county's days for the years it covers, the bundled table's for the rest."""
    return frozenset(d for d in bundled if d.year not in county_years) | county
