"""Restoring a damaged ledger (台账恢复): the backup furthest ahead, plus every event still readable after it."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import func, insert, select

from desktop.store import county_feed, projections
from desktop.store.backup import BackupError, BackupInfo, check_file, list_backups
from desktop.store.codec import event_to_row, row_to_event
from desktop.store.engine import (
    StoreOpenError,
    connect_raw,
    connect_readonly,
    make_engine,
    read,
    write,
)
from desktop.store.faults import machine_fault, unavailable
from desktop.store.files import durable_copy, fsync_dir, private_dir
from desktop.store.headmark import HeadMark
from desktop.store.keys import Unlocked
from desktop.store.layout import StoreLayout
from desktop.store.ledger import get_meta, set_meta
from desktop.store.recovery_report import (
    RecoveryReport,
    StoreDamaged,
    StoreUnrecoverable,
)
from desktop.store.schema import case, event, evidence, outbox, receipt_serial
from sync.clock import china_now
from sync.ledger.chain import GENESIS_HASH, ChainError, ChainHead, verify_chain
from sync.ledger.evidence import verify_image
from sync.ledger.kinds import EventType, OutboxState
from sync.ledger.receipts import format_receipt_no, parse_receipt_no

log = logging.getLogger(__name__)
SERIAL_SKIP = 500  # when what was issued is not known exactly, skip ahead so numbers on lost receipts are never reused

__all__ = ["SERIAL_SKIP", "RecoveryReport", "StoreDamaged", "StoreUnrecoverable", "recover"]


def _move_aside(layout: StoreLayout) -> Path | None:
    """Move the ledger (with its -wal and -shm) into ``damaged/``; None when there is no ledger file at all."""
    if not layout.database.exists():
        return None
    private_dir(layout.damaged)
    target = layout.damaged / f"ledger-{china_now():%Y%m%d-%H%M%S-%f}.db"
    for src, suffix in zip((layout.database, *layout.sidecars()), ("", "-wal", "-shm")):
        if src.exists():
            os.replace(src, Path(f"{target}{suffix}"))
    fsync_dir(layout.folder)
    fsync_dir(layout.damaged)
    return target


def _put_back(layout: StoreLayout, damaged: Path | None) -> None:
    """Undo a restore that the machine stopped half-way (a full disk): the ledger is as it was before."""
    for path in (layout.database, *layout.sidecars(), layout.database.with_name(layout.database.name + ".tmp")):
        path.unlink(missing_ok=True)
    if damaged is not None:
        for dst, suffix in zip((layout.database, *layout.sidecars()), ("", "-wal", "-shm")):
            if Path(f"{damaged}{suffix}").exists():
                os.replace(Path(f"{damaged}{suffix}"), dst)
    fsync_dir(layout.folder)


def _restore_backup(layout: StoreLayout, unlocked: Unlocked) -> tuple[BackupInfo | None, ChainHead, dict]:
    """Put the backup furthest ahead that checks out (file and chain) in place of the ledger."""
    for info in list_backups(layout.backups, unlocked.sqlcipher_key):
        try:
            check_file(info.path, unlocked.sqlcipher_key)
        except BackupError as exc:
            if machine_fault(exc):
                raise
            log.error("backup %s unusable: %s", info.path.name, exc)
            continue
        durable_copy(info.path, layout.database)  # a full disk raises here: the caller puts the ledger back
        engine = make_engine(layout.database, unlocked.sqlcipher_key)
        try:
            with read(engine) as conn:
                meta = get_meta(conn)
                rows = conn.execute(select(event).order_by(event.c.seq)).mappings()
                head = verify_chain((row_to_event(r, meta["device_id"]) for r in rows), device_id=meta["device_id"])
            return info, head, meta
        except (ChainError, KeyError) as exc:
            log.error("backup %s unusable: %s", info.path.name, exc)
        finally:
            engine.dispose()
        layout.database.unlink(missing_ok=True)
    return None, ChainHead(0, GENESIS_HASH), {}


def _open_damaged(path: Path, key: str):
    try:
        return connect_readonly(path, key)  # reads through its -wal, if it still has one; writes nothing
    except StoreOpenError:
        try:
            return connect_raw(path, key)
        except StoreOpenError:
            return None


def _read_damaged(path: Path | None, unlocked: Unlocked, after: ChainHead, device_id: str | None):
    """Events after ``after`` still readable and chain-valid in the file moved aside; its meta; its max seq."""
    conn = _open_damaged(path, unlocked.sqlcipher_key) if path is not None else None
    if conn is None:
        return [], {}, None, []
    salvaged, meta, max_seq = [], {}, None
    try:
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except Exception:
            meta = {}
        device_id = device_id or meta.get("device_id")
        try:
            max_seq = conn.execute("SELECT max(seq) FROM event").fetchone()[0] or 0
        except Exception:
            max_seq = None
        if device_id is None:
            return [], meta, max_seq, []
        columns = [c.name for c in event.columns]
        head, seq = after, after.seq
        while True:
            seq += 1
            try:
                row = conn.execute(f"SELECT {', '.join(columns)} FROM event WHERE seq = ?", (seq,)).fetchone()
            except Exception:
                break
            if row is None:
                break
            ev = row_to_event(dict(zip(columns, row)), device_id)
            try:
                head = verify_chain([ev], device_id=device_id, start=head)
            except ChainError:
                break
            salvaged.append(ev)
        images = _salvage_images(conn, salvaged)
    finally:
        conn.close()
    return salvaged, meta, max_seq, images


def _salvage_images(conn, salvaged) -> list[dict]:
    """The material images of salvaged evidence.attached events whose bytes still match their chained hash."""
    found = []
    columns = [c.name for c in evidence.columns]
    for ev in salvaged:
        if ev.type is not EventType.EVIDENCE_ATTACHED:
            continue
        try:
            row = conn.execute(f"SELECT {', '.join(columns)} FROM evidence WHERE event_seq = ?", (ev.seq,)).fetchone()
            if row is None:
                continue
            image = dict(zip(columns, row))
            verify_image(dict(ev.body), bytes(image["data"]))
        except Exception:  # an unreadable page or a damaged image: the record stays, its image does not
            continue
        found.append({**image, "data": bytes(image["data"]), "sent_bytes": 0, "state": "pending"})
    return found


def recover(
    layout: StoreLayout, unlocked: Unlocked, *, reason: str, mark: HeadMark | None = None, behind: bool = False
) -> tuple[RecoveryReport, HeadMark]:
    """Restore, salvage, then skip receipt serials past the highest ever issued; the report and the new head mark.

    A full disk or an I/O error on the way puts the ledger back as it was and raises StoreUnavailable: the
    next start tries again."""
    damaged = _move_aside(layout)
    try:
        return _recover(layout, unlocked, reason, mark, behind, damaged)
    except Exception as exc:
        if (kind := machine_fault(exc)) is None:
            raise
        log.error("restore stopped by the machine (%s); the ledger is put back as it was", kind)
        _put_back(layout, damaged)
        raise unavailable(kind, layout.folder, layout.database, *layout.backups.glob("ledger-*.db")) from exc


def _recover(layout, unlocked, reason, mark, behind, damaged) -> tuple[RecoveryReport, HeadMark]:
    backup, head, meta = _restore_backup(layout, unlocked)
    salvaged, damaged_meta, max_seq, images = _read_damaged(damaged, unlocked, head, meta.get("device_id"))
    device_id = meta.get("device_id") or damaged_meta.get("device_id")
    if mark is not None and mark.device_id != device_id:
        mark = None  # another ledger's mark: it says nothing about this one
    if backup is None:
        if not damaged_meta.get("device_id"):
            where = f"损坏的文件已另存为 {damaged.name}。" if damaged else ""
            raise StoreUnrecoverable(
                f"台账文件损坏，也没有可用的自动备份。请不要删除任何文件，马上联系乡镇或县政务服务管理局。{where}"
            )
        from desktop.store.migrations import migrate

        engine = make_engine(layout.database, unlocked.sqlcipher_key)
        migrate(engine, is_new=True)
        with write(engine) as conn:
            set_meta(conn, **damaged_meta)
        engine.dispose()
    engine = make_engine(layout.database, unlocked.sqlcipher_key)
    try:
        with write(engine) as conn:
            for ev in salvaged:
                conn.execute(insert(event).values(**event_to_row(ev)))
                # The county dedups by event id, so resending what it may already hold is safe.
                conn.execute(insert(outbox).values(seq=ev.seq, state=OutboxState.PENDING, attempts=0))
            for image in images:  # sent again from the start: the county answers with what it already holds
                conn.execute(insert(evidence).values(**image))
            all_events = (
                row_to_event(r, device_id) for r in conn.execute(select(event).order_by(event.c.seq)).mappings()
            )  # streamed
            projections.rebuild(conn, (ev for ev, _county in county_feed.merged(conn, all_events)))
            recovered = conn.execute(select(func.max(event.c.seq))).scalar() or 0
            # the mark knows every save that returned; the file may also hold one whose mark was never written
            exact = mark is not None and (max_seq is None or mark.seq >= max_seq)
            to_check, issued = _skip_serials(conn, mark, exact=exact, meta={**damaged_meta, **meta})
            set_meta(conn, verified_seq=str(recovered), verified_hash=_hash_of(conn, recovered))
            new_mark = _mark_of(conn, device_id, issued)
    finally:
        engine.dispose()
    known = None if max_seq is None and mark is None else max(max_seq or 0, mark.seq if mark else 0)
    report = RecoveryReport(reason, damaged, backup, head.seq, len(salvaged), recovered, known, behind, to_check)
    log.warning(
        "ledger restored: backup=%s salvaged=%d recovered_seq=%d lost=%s",
        backup.path.name if backup else None,
        len(salvaged),
        recovered,
        report.lost,
    )
    return report, new_mark


def _mark_of(conn, device_id: str, issued: dict[str, int]) -> HeadMark:
    """The restored ledger's head, keeping the highest serial known issued on each day (never the skip)."""
    mark = HeadMark(device_id)
    for day in sorted(issued):
        mark.note_serial(day, issued[day])
    last = conn.execute(select(event.c.seq, event.c.hash, event.c.occurred_at).order_by(event.c.seq.desc())).first()
    if last is not None:
        mark.seq, mark.hash, mark.newest_at = last.seq, last.hash, last.occurred_at
    return mark


def _hash_of(conn, seq: int) -> str:
    if not seq:
        return GENESIS_HASH
    return conn.execute(select(event.c.hash).where(event.c.seq == seq)).scalar_one()


def _skip_serials(conn, mark: HeadMark | None, *, exact: bool, meta: dict) -> tuple[tuple, dict[str, int]]:
    """Rebuild receipt serials from the cases and the head mark, past the highest ever issued on each day.

    ``exact``: the head mark knew every save (it is at or past anything the files show), so each of its
    days continues right after its last serial; otherwise every day skips ahead by SERIAL_SKIP. Never
    judged by a clock. Returns the (first, last) receipt numbers the mark says were issued but are gone, and the
    highest serial known issued per day."""
    conn.execute(receipt_serial.delete())
    held: dict[str, int] = {}
    for number in conn.execute(select(case.c.receipt_no)).scalars():
        parsed = parse_receipt_no(number)
        day = parsed.business_date.isoformat()
        held[day] = max(held.get(day, 0), parsed.serial)
    issued = dict(mark.serials) if mark else {}
    to_check, known = [], {}
    for day in sorted({*held, *issued, china_now().date().isoformat()}):
        highest = known[day] = max(held.get(day, 0), issued.get(day, 0))
        serial = highest if exact else min(highest + SERIAL_SKIP, 9999)
        conn.execute(insert(receipt_serial).values(business_date=day, last_serial=serial))
        if mark is not None and issued.get(day, 0) > held.get(day, 0) and meta.get("point_code"):
            numbers = [_receipt(meta, day, n) for n in (held.get(day, 0) + 1, issued[day])]
            to_check.append((numbers[0], numbers[1]))
    return tuple(to_check), {day: n for day, n in known.items() if n}


def _receipt(meta: dict, day: str, serial: int) -> str:
    from datetime import date

    return format_receipt_no(meta["point_code"], date.fromisoformat(day), int(meta["device_no"]), serial)
