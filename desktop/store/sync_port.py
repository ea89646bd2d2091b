"""The store as the sync engine sees it: outbox batches, acknowledgements, requeues, the county feed."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, update

from desktop.store import county_feed
from desktop.store.engine import read, write
from desktop.store.ledger import LedgerStore, get_meta, set_meta
from desktop.store.schema import county_item, event, outbox
from sync.ledger.events import Event, china_now, format_time, parse_time
from sync.ledger.kinds import UNSENT_STATES, OutboxState
from sync.ledger.points import month_of
from sync.wire import MonthDigest, PullItem, month_digest


class StoreSyncPort:
    """Implements sync.engine.SyncPort on a LedgerStore; every method is one transaction."""

    def __init__(self, store: LedgerStore):
        self.store = store

    @property
    def device_id(self) -> str:
        return self.store.identity.device_id

    def pending_events(self, limit: int) -> list[Event]:
        return self.store.pending_events(limit)

    def pending_count(self) -> int:
        counts = self.store.outbox_counts()
        return sum(counts.get(state, 0) for state in UNSENT_STATES)

    def mark(self, seqs: list[int], state: str, error: str | None = None) -> None:
        self.store.mark_outbox(seqs, state, error)

    def record_results(self, acked: list[int], rejected: dict[int, str]) -> None:
        """Acknowledgements of one push, written together."""
        now = format_time(china_now())
        with write(self.store.engine) as conn:
            if acked:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_(acked))
                    .values(state=OutboxState.ACKED, last_error=None, updated_at=now)
                )
            for seq, reason in rejected.items():
                conn.execute(
                    update(outbox)
                    .where(outbox.c.seq == seq)
                    .values(state=OutboxState.REJECTED, last_error=reason, updated_at=now)
                )

    def requeue_from(self, seq: int) -> int:
        """The county asks for everything from ``seq`` again (it lost or never had it)."""
        with write(self.store.engine) as conn:
            return conn.execute(
                update(outbox)
                .where(outbox.c.seq >= seq, outbox.c.state != OutboxState.PENDING)
                .values(state=OutboxState.PENDING)
            ).rowcount

    def rejected(self) -> list[tuple[Event, str]]:
        """Quarantined records with the county's reason, for the agent to see and act on."""
        with read(self.store.engine) as conn:
            rows = (
                conn.execute(
                    select(event, outbox.c.last_error)
                    .join(outbox, outbox.c.seq == event.c.seq)
                    .where(outbox.c.state == OutboxState.REJECTED)
                    .order_by(event.c.seq)
                )
                .mappings()
                .all()
            )
        from desktop.store.codec import row_to_event

        return [(row_to_event(r, self.device_id), r["last_error"] or "") for r in rows]

    def acknowledged_months(self) -> dict[str, MonthDigest]:
        """Per month, the event ids the county has acknowledged (accepted or rejected), as a digest."""
        by_month: dict[str, list[str]] = defaultdict(list)
        with read(self.store.engine) as conn:
            for event_id, occurred_at in conn.execute(
                select(event.c.event_id, event.c.occurred_at)
                .join(outbox, outbox.c.seq == event.c.seq)
                .where(outbox.c.state.in_((OutboxState.ACKED, OutboxState.REJECTED)))
            ):
                by_month[month_of(parse_time(occurred_at))].append(event_id)
        return {m: MonthDigest(count=len(ids), digest=month_digest(ids)) for m, ids in sorted(by_month.items())}

    def pull_cursor(self) -> int:
        with read(self.store.engine) as conn:
            return int(get_meta(conn).get("pull_cursor", "0"))

    def store_pulled(self, items: list[PullItem], next_cursor: int) -> int:
        """Keep and fold a page of county items and move the cursor, in one transaction."""
        with write(self.store.engine) as conn:
            added = county_feed.store_items(conn, [i.model_dump() for i in items])
            set_meta(conn, pull_cursor=str(next_cursor))
        return added

    def county_items(self, kind: str) -> list[dict]:
        with read(self.store.engine) as conn:
            return [
                dict(r)
                for r in conn.execute(
                    select(county_item).where(county_item.c.kind == kind).order_by(county_item.c.cursor)
                ).mappings()
            ]

    def note_run(self, **values: str) -> None:
        """Remember when sync last succeeded or failed and why (shown on the sync page)."""
        with write(self.store.engine) as conn:
            set_meta(conn, **{f"sync_{k}": v for k, v in values.items()})

    def sync_notes(self) -> dict[str, str]:
        with read(self.store.engine) as conn:
            return {k[5:]: v for k, v in get_meta(conn).items() if k.startswith("sync_")}
