"""Restoring a damaged ledger (台账恢复): newest good backup, plus every event still readable after it."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select

from desktop.store import county_feed, projections
from desktop.store.backup import BackupError, BackupInfo, check_file, list_backups
from desktop.store.codec import event_to_row, row_to_event
from desktop.store.engine import StoreOpenError, connect_raw, make_engine, read, write
from desktop.store.files import durable_copy, fsync_dir
from desktop.store.keys import Unlocked
from desktop.store.layout import StoreLayout
from desktop.store.ledger import get_meta, set_meta
from desktop.store.schema import case, event, outbox, receipt_serial
from sync.clock import china_now, china_today
from sync.ledger.chain import GENESIS_HASH, ChainError, ChainHead, verify_chain
from sync.ledger.kinds import OutboxState
from sync.ledger.receipts import parse_receipt_no

log = logging.getLogger(__name__)
SERIAL_SKIP = 500  # after a restore, skip ahead so numbers on lost receipts are never reused


class StoreDamaged(Exception):
    pass


class StoreUnrecoverable(Exception):
    """Nothing usable to restore from; the damaged file is kept for the county."""


@dataclass(frozen=True)
class RecoveryReport:
    reason: str
    damaged_copy: Path
    backup: BackupInfo | None
    backup_seq: int  # last event the backup held
    salvaged: int  # events read back from the damaged file after the backup
    recovered_seq: int  # last event in the restored ledger
    damaged_max_seq: int | None  # last event the damaged file claimed to hold, if it could say

    @property
    def lost(self) -> int | None:
        """Events known to be lost, or None when the damaged file could not tell how many it held."""
        if self.damaged_max_seq is None:
            return None
        return max(0, self.damaged_max_seq - self.recovered_seq)

    def message(self) -> str:
        """What the agent is told, in plain words."""
        parts = ["台账文件检查时发现损坏，已自动恢复。"]
        if self.backup:
            parts.append(f"使用了 {self.backup.made_at:%Y年%m月%d日 %H:%M} 的自动备份")
            if self.salvaged:
                parts.append(f"，并从损坏的文件中找回了之后的 {self.salvaged} 条记录。")
            else:
                parts.append("。")
        else:
            parts.append(f"没有可用的备份，从损坏的文件中找回了 {self.salvaged} 条记录。")
        if self.lost == 0:
            parts.append("所有记录都已找回，没有丢失。")
        elif self.lost:
            parts.append(
                f"有 {self.lost} 条记录（第 {self.recovered_seq + 1} 到第 {self.damaged_max_seq} 条）无法找回，"
                "已同步到县里的部分县里仍有；请核对这段时间的纸质回执并补登。"
            )
        else:
            parts.append("损坏的文件无法读出它原有多少条记录；请核对备份时间之后的纸质回执，缺的请补登。")
        parts.append(f"损坏的文件已另存为 {self.damaged_copy.name}，请勿删除。")
        return "".join(parts)


def _move_aside(layout: StoreLayout) -> Path:
    layout.damaged.mkdir(parents=True, exist_ok=True)
    target = layout.damaged / f"ledger-{china_now():%Y%m%d-%H%M%S-%f}.db"
    sources = [layout.database, *layout.sidecars()]
    for src, suffix in zip(sources, ("", "-wal", "-shm")):
        if src.exists():
            os.replace(src, Path(f"{target}{suffix}"))
    fsync_dir(layout.folder)
    fsync_dir(layout.damaged)
    return target


def _restore_backup(layout: StoreLayout, unlocked: Unlocked) -> tuple[BackupInfo | None, ChainHead, dict]:
    """Put the newest backup that checks out (file and chain) in place of the ledger."""
    for info in list_backups(layout.backups):
        try:
            check_file(info.path, unlocked.sqlcipher_key)
            durable_copy(info.path, layout.database)
            engine = make_engine(layout.database, unlocked.sqlcipher_key)
            try:
                with read(engine) as conn:
                    meta = get_meta(conn)
                    rows = conn.execute(select(event).order_by(event.c.seq)).mappings()
                    head = verify_chain((row_to_event(r, meta["device_id"]) for r in rows), device_id=meta["device_id"])
            finally:
                engine.dispose()
            return info, head, meta
        except (BackupError, ChainError, StoreOpenError, KeyError) as exc:
            log.error("backup %s unusable: %s", info.path.name, exc)
            layout.database.unlink(missing_ok=True)
    return None, ChainHead(0, GENESIS_HASH), {}


def _read_damaged(path: Path, unlocked: Unlocked, after: ChainHead, device_id: str | None):
    """Events after ``after`` still readable and chain-valid in the damaged file; its meta; its max seq."""
    try:
        conn = connect_raw(path, unlocked.sqlcipher_key)
    except StoreOpenError:
        return [], {}, None
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
            return [], meta, max_seq
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
    finally:
        conn.close()
    return salvaged, meta, max_seq


def recover(layout: StoreLayout, unlocked: Unlocked, *, reason: str) -> RecoveryReport:
    damaged = _move_aside(layout)
    backup, head, meta = _restore_backup(layout, unlocked)
    salvaged, damaged_meta, max_seq = _read_damaged(damaged, unlocked, head, meta.get("device_id"))
    if backup is None:
        if not damaged_meta.get("device_id"):
            raise StoreUnrecoverable(
                "台账文件损坏，也没有可用的自动备份。请不要删除任何文件，马上联系乡镇或县政务服务管理局，"
                f"损坏的文件已另存为 {damaged.name}。"
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
            device_id = damaged_meta.get("device_id") or meta["device_id"]
            all_events = (row_to_event(r, device_id)
                          for r in conn.execute(select(event).order_by(event.c.seq)).mappings())  # streamed
            projections.rebuild(conn, (ev for ev, _county in county_feed.merged(conn, all_events)))
            _skip_serials(conn, since=backup.made_at.date() if backup else date.min)
            recovered = conn.execute(select(func.max(event.c.seq))).scalar() or 0
            set_meta(conn, verified_seq=str(recovered), verified_hash=_hash_of(conn, recovered))
    finally:
        engine.dispose()
    report = RecoveryReport(reason, damaged, backup, head.seq, len(salvaged), recovered, max_seq)
    log.warning("ledger restored: backup=%s salvaged=%d recovered_seq=%d lost=%s",
                backup.path.name if backup else None, len(salvaged), recovered, report.lost)
    return report


def _hash_of(conn, seq: int) -> str:
    if not seq:
        return GENESIS_HASH
    return conn.execute(select(event.c.hash).where(event.c.seq == seq)).scalar_one()


def _skip_serials(conn, *, since: date) -> None:
    """Rebuild receipt serials from the cases, skipping ahead for days a lost receipt may cover."""
    conn.execute(receipt_serial.delete())
    highest: dict[str, int] = {}
    for number in conn.execute(select(case.c.receipt_no)).scalars():
        parsed = parse_receipt_no(number)
        day = parsed.business_date.isoformat()
        highest[day] = max(highest.get(day, 0), parsed.serial)
    today = china_today().isoformat()
    for day in {*highest, today}:
        serial = highest.get(day, 0)
        if day >= since.isoformat():
            serial += SERIAL_SKIP
        conn.execute(insert(receipt_serial).values(business_date=day, last_serial=serial))
