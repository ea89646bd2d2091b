"""Automatic backups (自动备份): a consistent encrypted copy, fsynced, checked, ranked by what it holds, rotated."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from desktop.store.engine import StoreOpenError, connect_raw, connect_readonly
from desktop.store.files import (
    fsync_dir,
    fsync_path,
    private_dir,
    private_file,
    remove_leftovers,
)
from sync.ledger.events import china_now

log = logging.getLogger(__name__)
KEEP_NEWEST = 3  # the copies furthest ahead whatever their day (a manual backup, a migration, the day close)
KEEP_DAYS = 7  # then the newest of each of the last seven days that have one
KEEP_WEEKS = 4  # then of each of four earlier weeks
KEEP_MONTHS = 3  # and of each of three earlier months
# ledger-s<last seq held>-<PC clock when made>-<reason>.db; names without the seq come from older versions
_NAME = re.compile(r"^ledger-(?:s(\d{9,})-)?(\d{8}-\d{6}-\d{6})-([a-z0-9_-]+)\.db$")


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime  # the PC clock when it was made: shown to the agent, never used to rank
    reason: str
    seq: int = -1  # the last event it holds (-1: an older backup not read yet)


def _rank(backup: BackupInfo) -> tuple:
    return backup.seq, backup.made_at, backup.path.name


def list_backups(folder: Path, key: str | None = None) -> list[BackupInfo]:
    """Backups in the folder, furthest ahead first: by the last event each holds, never by the clock.

    With ``key``, an older backup whose name does not say what it holds is opened to find out.
    """
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if match:
                made = datetime.strptime(match.group(2), "%Y%m%d-%H%M%S-%f")
                info = BackupInfo(path, made, match.group(3), int(match.group(1)) if match.group(1) else -1)
                if info.seq < 0 and key is not None:
                    info = replace(info, seq=_held_seq(path, key))
                found.append(info)
    return sorted(found, key=_rank, reverse=True)


def _held_seq(path: Path, key: str) -> int:
    try:
        conn = connect_readonly(path, key)
    except StoreOpenError:
        return -1
    try:
        return int(conn.execute("SELECT coalesce(max(seq), 0) FROM event").fetchone()[0])
    except Exception:  # an unreadable copy ranks last; the restore checks it in full anyway
        return -1
    finally:
        conn.close()


def _check(conn, name: str) -> int:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    if result != ["ok"]:
        raise BackupError(f"{name}: integrity check failed: {result[:3]}")
    cipher = conn.execute("PRAGMA cipher_integrity_check").fetchall()
    if cipher:
        raise BackupError(f"{name}: {len(cipher)} pages fail their checksum")
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM event").fetchone()[0])


def check_file(path: Path, key: str) -> int:
    """The last event ``path`` holds; BackupError unless it opens with ``key`` and passes SQLite's and
    SQLCipher's checks. Read only: checking a kept backup never writes to it (it works on a full disk)."""
    try:
        conn = connect_readonly(path, key)
    except StoreOpenError as exc:
        raise BackupError(f"{path.name}: cannot be opened ({exc})") from exc
    try:
        return _check(conn, path.name)
    except BackupError:
        raise
    except Exception as exc:  # sqlcipher.DatabaseError and friends: the copy is unreadable
        raise BackupError(f"{path.name}: {exc}") from exc
    finally:
        conn.close()


def _seal_new_copy(path: Path, key: str) -> int:
    """Check a fresh copy and leave it self-contained (no -wal beside it); the last event it holds."""
    try:
        conn = connect_raw(path, key)
    except StoreOpenError as exc:
        raise BackupError(f"{path.name}: cannot be opened ({exc})") from exc
    try:
        seq = _check(conn, path.name)
        conn.execute("PRAGMA journal_mode = DELETE")
        return seq
    except BackupError:
        raise
    except Exception as exc:
        raise BackupError(f"{path.name}: {exc}") from exc
    finally:
        conn.close()


def retained(
    backups: list[BackupInfo],
    *,
    newest: int = KEEP_NEWEST,
    days: int = KEEP_DAYS,
    weeks: int = KEEP_WEEKS,
    months: int = KEEP_MONTHS,
) -> list[BackupInfo]:
    """Which backups to keep: the ``newest`` furthest ahead, then the newest of each earlier day, week and month.

    The copy furthest ahead is always kept, whatever the clock said when it was made. At most 17 copies by
    default: a ledger of 200,000 cases makes 365 MB copies, and keeping every day close of a month would
    take 11 GB of the counter's disk.
    """
    ordered = sorted(backups, key=_rank, reverse=True)
    keep = ordered[:newest]
    by_clock = sorted(ordered[newest:], key=lambda b: b.made_at, reverse=True)
    periods = (
        (lambda b: b.made_at.date(), days),
        (lambda b: b.made_at.isocalendar()[:2], weeks),
        (lambda b: (b.made_at.year, b.made_at.month), months),
    )
    for period, limit in periods:
        covered = {period(b) for b in keep}
        picked: list[BackupInfo] = []
        for backup in by_clock:
            if len(picked) == limit:
                break
            if period(backup) not in covered and backup not in keep:
                covered.add(period(backup))
                picked.append(backup)
        keep += picked
    return keep


def make_backup(engine: Engine, key: str, folder: Path, reason: str) -> BackupInfo:
    """Copy the live ledger with VACUUM INTO (stays encrypted with the same key), then fsync and check.

    A copy that fails (a full disk, a kill) leaves no ``.partial`` behind; one a kill left is removed at
    the next backup and at open."""
    if not re.fullmatch(r"[a-z0-9_-]+", reason):
        raise ValueError("backup reason must be a lowercase slug")
    private_dir(folder)
    remove_leftovers(folder)
    made_at = china_now().replace(tzinfo=None)
    stamp = f"{made_at:%Y%m%d-%H%M%S-%f}-{reason}.db"
    tmp = folder / f"ledger-{stamp}.partial"
    try:
        private_file(tmp)  # VACUUM INTO fills an empty file; made here so that it is the owner's only
        raw = engine.raw_connection()  # VACUUM cannot run inside the transaction SQLAlchemy would begin
        try:
            raw.driver_connection.execute("VACUUM INTO ?", (str(tmp),))
        finally:
            raw.close()
        fsync_path(tmp)
        seq = _seal_new_copy(tmp, key)
        fsync_path(tmp)
        final = folder / f"ledger-s{seq:09d}-{stamp}"
        os.replace(tmp, final)
        fsync_dir(folder)
    except BaseException:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)
        raise
    made = BackupInfo(final, made_at, reason, seq)
    found = list_backups(folder, key)
    kept = {b.path for b in retained(found)}
    for old in found:
        if old.path not in kept:
            old.path.unlink(missing_ok=True)
            log.info("backup %s retired", old.path.name)
    return made
