"""The counter's ledger store (本地台账): append events in one transaction each, read them, back up."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection, Engine, func, insert, or_, select, update

from desktop.store import county_feed, projections
from desktop.store.backup import BackupInfo, make_backup
from desktop.store.codec import event_to_row, row_to_event
from desktop.store.engine import read, write
from desktop.store.files import SlotFile, atomic_write_bytes
from desktop.store.headmark import HeadMark, write_mark
from desktop.store.keys import Unlocked
from desktop.store.layout import StoreLayout
from desktop.store.schema import case, day_total, event, mailing, meta, outbox, receipt_serial
from sync.clock import utcnow
from sync.ledger.chain import GENESIS_HASH, ChainError, ChainHead, seal, verify_chain
from sync.ledger.events import Event, EventDraft, china_now, format_time
from sync.ledger.kinds import UNSENT_STATES, EventType, OutboxState
from sync.ledger.receipts import format_receipt_no

log = logging.getLogger(__name__)

# Hot-path statements, built once: each save only binds new values.
_INSERT_EVENT = insert(event)
_INSERT_OUTBOX = insert(outbox)
_HEAD = select(event.c.seq, event.c.hash).order_by(event.c.seq.desc()).limit(1)


@dataclass(frozen=True)
class Identity:
    """Who this store belongs to: the device, its agent point, its number within the point."""

    device_id: str
    point_code: str
    device_no: int
    point_name: str = ""


CHECK_DUE = "check_due"  # meta: an unclean shutdown's whole-file check has not passed yet (store/opening.py)


class LedgerStore:
    """One agent point's ledger on this device. Every public write is a single transaction."""

    def __init__(self, engine: Engine, layout: StoreLayout, unlocked: Unlocked, identity: Identity):
        self.engine = engine
        self.layout = layout
        self._unlocked = unlocked
        self.identity = identity
        self.mark = HeadMark(identity.device_id)  # the head mark (headmark.py); opening.py loads it
        self._mark_file = SlotFile(layout.head_mark)

    def write_mark(self) -> None:
        """Write the head mark. If that fails (a full disk) the mark is removed rather than left behind a save
        that returned: with no mark, a later restore skips receipt serials ahead instead of trusting it."""
        try:
            write_mark(self._mark_file, self.mark)
        except (OSError, ValueError) as exc:
            log.warning("head mark not written: %s", type(exc).__name__)
            try:
                self._mark_file.close()
                self.layout.head_mark.unlink(missing_ok=True)
            except OSError:
                log.warning("head mark could not be removed either")

    # ---- writing ----

    def append(self, *drafts: EventDraft, also: Callable[[Connection, list[Event]], None] | None = None) -> list[Event]:
        """Seal and store drafts as one transaction; projections and outbox rows go with them.

        ``also`` writes what belongs with the events (a material image's bytes) in the same transaction.
        Raises LifecycleError / MailingStateError (nothing written) if a draft is not allowed.
        """
        if not drafts:
            return []
        sealed: list[Event] = []
        with write(self.engine) as conn:
            head = self._head(conn)
            seq, prev = head.seq, head.hash
            for draft in drafts:
                draft = self._with_receipt_no(conn, draft)
                seq += 1
                ev = seal(draft, device_id=self.identity.device_id, seq=seq, prev_hash=prev)
                projections.apply(conn, ev)
                conn.execute(_INSERT_EVENT, event_to_row(ev))
                conn.execute(
                    _INSERT_OUTBOX,
                    {"seq": seq, "state": OutboxState.PENDING, "attempts": 0, "updated_at": ev.occurred_at},
                )
                sealed.append(ev)
                prev = ev.hash
            if also is not None:
                also(conn, sealed)
        self.mark.advance(sealed)  # committed: now the mark may say so (never before)
        self.write_mark()
        return sealed

    def _with_receipt_no(self, conn, draft: EventDraft) -> EventDraft:
        if draft.type is not EventType.CASE_RECORDED or draft.body.get("receipt_no"):
            return draft
        day = draft.body["business_date"]
        current = conn.execute(
            select(receipt_serial.c.last_serial).where(receipt_serial.c.business_date == day)
        ).scalar()
        serial = (current or 0) + 1
        if current is None:
            conn.execute(insert(receipt_serial).values(business_date=day, last_serial=serial))
        else:
            conn.execute(update(receipt_serial).where(receipt_serial.c.business_date == day).values(last_serial=serial))
        number = format_receipt_no(self.identity.point_code, date.fromisoformat(day), self.identity.device_no, serial)
        return replace(draft, body={**draft.body, "receipt_no": number})

    def close_day(self, business_date: date) -> tuple[Event, BackupInfo]:
        """Record the day close (日结) with the day's totals, then make the day's backup."""
        day = business_date.isoformat()
        with read(self.engine) as conn:
            totals = conn.execute(select(day_total).where(day_total.c.business_date == day)).mappings().first()
            pending = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.state != OutboxState.ACKED)
            ).scalar_one()
        totals = dict(totals or {})
        body = {
            "business_date": day,
            "case_count": totals.get("case_count", 0),
            "voided_count": totals.get("voided_count", 0),
            "mailing_count": totals.get("mailing_count", 0),
            "amount_fen_total": totals.get("amount_fen_total", 0),
            "points_estimate": totals.get("points_estimate", 0),
            "unsynced_before_close": pending,
        }
        (closed,) = self.append(EventDraft(EventType.DAY_CLOSED, body))
        return closed, self.backup("day-close")

    # ---- reading ----

    @staticmethod
    def _head(conn) -> ChainHead:
        row = conn.execute(_HEAD).first()
        return ChainHead(row.seq, row.hash) if row else ChainHead(0, GENESIS_HASH)

    def head(self) -> ChainHead:
        with read(self.engine) as conn:
            return self._head(conn)

    def events(self, after_seq: int = 0, limit: int | None = None, *, batch: int = 2000) -> Iterator[Event]:
        """Events in sequence order, read in batches so a long log never sits in memory at once."""
        last, remaining = after_seq, limit
        while remaining is None or remaining > 0:
            size = batch if remaining is None else min(batch, remaining)
            with read(self.engine) as conn:
                rows = (
                    conn.execute(select(event).where(event.c.seq > last).order_by(event.c.seq).limit(size))
                    .mappings()
                    .all()
                )
            if not rows:
                return
            for row in rows:
                yield row_to_event(row, self.identity.device_id)
            last = rows[-1]["seq"]
            if remaining is not None:
                remaining -= len(rows)

    def verify(self, since: ChainHead | None = None) -> ChainHead:
        """Verify the chain (from ``since`` or from the start); raises ChainError where it breaks."""
        start = since or ChainHead(0, GENESIS_HASH)
        return verify_chain(self.events(after_seq=start.seq), device_id=self.identity.device_id, start=start)

    def pending_events(self, limit: int = 500) -> list[Event]:
        """Events the county has not acknowledged yet, oldest first (the outbox)."""
        with read(self.engine) as conn:
            seqs = (
                conn.execute(
                    select(outbox.c.seq).where(outbox.c.state.in_(UNSENT_STATES)).order_by(outbox.c.seq).limit(limit)
                )
                .scalars()
                .all()
            )
            rows = conn.execute(select(event).where(event.c.seq.in_(seqs)).order_by(event.c.seq)).mappings().all()
        return [row_to_event(r, self.identity.device_id) for r in rows]

    def mark_outbox(self, seqs: Sequence[int], state: str, error: str | None = None) -> None:
        with write(self.engine) as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.seq.in_(list(seqs)))
                .values(
                    state=state, last_error=error, attempts=outbox.c.attempts + 1, updated_at=format_time(china_now())
                )
            )

    def outbox_counts(self) -> dict[str, int]:
        with read(self.engine) as conn:
            rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
        return {state: n for state, n in rows}

    # ---- maintenance ----

    def rebuild_projections(self) -> int:
        """Recompute cases, mailings and day totals from the log and the county items, in their first order."""
        with write(self.engine) as conn:
            rows = conn.execute(select(event).order_by(event.c.seq)).mappings()  # streamed, not loaded
            device_events = (row_to_event(r, self.identity.device_id) for r in rows)
            return projections.rebuild(conn, (ev for ev, _county in county_feed.merged(conn, device_events)))

    def purge_personal_data(self, before: date) -> int:
        """Erase personal fields of records whose business day is before ``before`` (retention ended), once the
        county has acknowledged (accepted or refused, so it holds) every event of theirs that carries any.

        The chain keeps their salted digests, so the history still verifies. Returns events purged; the run is
        noted in meta (``purge_at``, ``purge_count``, ``purge_before``) in the same transaction.
        """
        cutoff = before.isoformat()
        unacknowledged = (
            select(event.c.subject_id)
            .join(outbox, outbox.c.seq == event.c.seq)
            .where(
                event.c.pii_json.is_not(None),
                event.c.subject_id.is_not(None),
                outbox.c.state.not_in((OutboxState.ACKED, OutboxState.REJECTED)),
            )
        )
        old_cases = select(case.c.case_id).where(case.c.business_date < cutoff, case.c.case_id.not_in(unacknowledged))
        old_mailings = select(mailing.c.mailing_id).where(
            mailing.c.business_date < cutoff, mailing.c.mailing_id.not_in(unacknowledged)
        )
        # 代办点转来的咨询: the villager's phone, by the day it was asked (occurred_at starts with the China date)
        old_consults = (event.c.type == EventType.CONSULT_ASKED.value) & (
            func.substr(event.c.occurred_at, 1, 10) < cutoff
        )
        with write(self.engine) as conn:
            purged = conn.execute(
                update(event)
                .where(event.c.pii_json.is_not(None))
                .where(
                    event.c.subject_id.in_(old_cases)
                    | event.c.subject_id.in_(old_mailings)
                    | (old_consults & event.c.subject_id.not_in(unacknowledged))
                )
                .values(pii_json=None, pii_salt=None)
            ).rowcount
            conn.execute(
                update(case)
                .where(case.c.case_id.in_(old_cases))
                .where(
                    or_(
                        *(
                            column.is_not(None)
                            for column in (
                                case.c.name,
                                case.c.id_number,
                                case.c.credit_code,
                                case.c.mobile,
                                case.c.details_pii_json,
                            )
                        )
                    )
                )
                .values(
                    name=None,
                    id_number=None,
                    credit_code=None,
                    mobile=None,
                    id_last4=None,
                    mobile_last4=None,
                    details_pii_json=None,
                )
            )
            conn.execute(
                update(mailing)
                .where(mailing.c.mailing_id.in_(old_mailings))
                .where(
                    or_(
                        mailing.c.recipient_name.is_not(None),
                        mailing.c.recipient_mobile.is_not(None),
                        mailing.c.recipient_address.is_not(None),
                        mailing.c.receiver_name.is_not(None),
                    )
                )
                .values(recipient_name=None, recipient_mobile=None, recipient_address=None, receiver_name=None)
            )
            set_meta(conn, purge_at=format_time(china_now()), purge_count=str(purged), purge_before=cutoff)
        return purged

    def backup(self, reason: str) -> BackupInfo:
        """A checked copy; then the chain is verified from the last checkpoint and the checkpoint moves."""
        info = make_backup(self.engine, self._unlocked.sqlcipher_key, self.layout.backups, reason)
        head = self.verify(since=self.checkpoint())
        with write(self.engine) as conn:
            set_meta(conn, verified_seq=str(head.seq), verified_hash=head.hash)
        log.info("backup made: %s", info.path.name)
        return info

    def checkpoint(self) -> ChainHead:
        """The last verified point of the chain; raises ChainError if the log no longer matches it."""
        with read(self.engine) as conn:
            meta = get_meta(conn)
            seq, digest = int(meta.get("verified_seq", "0")), meta.get("verified_hash", GENESIS_HASH)
            if seq and conn.execute(select(event.c.hash).where(event.c.seq == seq)).scalar() != digest:
                raise ChainError(seq, "the verified checkpoint no longer matches the log")
        return ChainHead(seq, digest)

    def check_integrity(self) -> None:
        """The whole-file check (every page read and authenticated); for a background job after login.

        Raises StoreDamaged after leaving ``layout.check_failed``, so that the next open checks the file in
        full and restores it; the session goes on meanwhile (nothing it saves is lost: the restore salvages
        every event still readable). On success the due check (after an unclean shutdown) is done.
        """
        from desktop.store.recovery_report import StoreDamaged

        try:
            with self.engine.connect() as conn:
                result = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
            if result != ["ok"]:
                raise StoreDamaged("台账文件内部结构损坏")
        except Exception as exc:  # a page that fails its checksum surfaces as a database error
            atomic_write_bytes(self.layout.check_failed, f"{utcnow().isoformat()} {exc}\n".encode())
            if isinstance(exc, StoreDamaged):
                raise
            raise StoreDamaged(f"台账文件读取出错（{exc}）") from exc
        with write(self.engine) as conn:
            set_meta(conn, last_full_check=utcnow().isoformat(), **{CHECK_DUE: "0"})

    def close(self) -> None:
        """Record a clean shutdown (the next open may skip the whole-file check), then release the file."""
        try:
            with write(self.engine) as conn:
                set_meta(conn, clean_shutdown="1")
        except Exception as exc:  # closing must never fail; the next open just checks the whole file
            log.warning("could not record a clean shutdown: %s", type(exc).__name__)
        self._mark_file.close()
        self.engine.dispose()


def set_meta(conn, **values: str) -> None:
    for key, value in values.items():
        conn.execute(meta.delete().where(meta.c.key == key))
        conn.execute(insert(meta).values(key=key, value=value))


def get_meta(conn) -> dict[str, str]:
    return {row.key: row.value for row in conn.execute(select(meta.c.key, meta.c.value))}
