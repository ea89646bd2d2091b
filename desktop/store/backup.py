"""Automatic backups (自动备份): a consistent encrypted copy, fsynced, integrity-checked, rotated."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from desktop.store.engine import StoreOpenError, connect_raw
from desktop.store.files import fsync_dir, fsync_path
from sync.clock import china_now

KEEP_NEWEST = 3  # the latest copies whatever their day (a manual backup, a migration, the day close)
KEEP_DAYS = 7  # then the newest of each of the last seven days that have one
KEEP_WEEKS = 4  # then of each of four earlier weeks
KEEP_MONTHS = 3  # and of each of three earlier months
_NAME = re.compile(r"^ledger-(\d{8}-\d{6}-\d{6})-([a-z0-9_-]+)\.db$")


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime
    reason: str


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in the folder, newest first (judged by the time in the name, not the file clock)."""
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if match:
                made = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S-%f")
                found.append(BackupInfo(path, made, match.group(2)))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def check_file(path: Path, key: str) -> None:
    """Raise BackupError unless ``path`` opens with ``key`` and passes SQLite's and SQLCipher's checks."""
    try:
        conn = connect_raw(path, key)
    except StoreOpenError as exc:
        raise BackupError(f"{path.name}: cannot be opened ({exc})") from exc
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            raise BackupError(f"{path.name}: integrity check failed: {result[:3]}")
        cipher = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        if cipher:
            raise BackupError(f"{path.name}: {len(cipher)} pages fail their checksum")
        # Leave a self-contained file: no -wal beside it.
        conn.execute("PRAGMA journal_mode = DELETE")
    except BackupError:
        raise
    except Exception as exc:  # sqlcipher.DatabaseError and friends: the copy is unreadable
        raise BackupError(f"{path.name}: {exc}") from exc
    finally:
        conn.close()


def retained(backups: list[BackupInfo], *, newest: int = KEEP_NEWEST, days: int = KEEP_DAYS,
             weeks: int = KEEP_WEEKS, months: int = KEEP_MONTHS) -> list[BackupInfo]:
    """Which backups to keep: the ``newest``, then the newest of each earlier day, week and month.

    At most 17 copies by default: a ledger of 200,000 cases makes 365 MB copies, and keeping every day
    close of a month would take 11 GB of the counter's disk.
    """
    ordered = sorted(backups, key=lambda b: b.made_at, reverse=True)
    keep = ordered[:newest]
    periods = ((lambda b: b.made_at.date(), days), (lambda b: b.made_at.isocalendar()[:2], weeks),
               (lambda b: (b.made_at.year, b.made_at.month), months))
    for period, limit in periods:
        covered = {period(b) for b in keep}
        picked: list[BackupInfo] = []
        for backup in ordered:
            if len(picked) == limit:
                break
            if period(backup) not in covered:
                covered.add(period(backup))
                picked.append(backup)
        keep += picked
    return keep


def make_backup(engine: Engine, key: str, folder: Path, reason: str) -> BackupInfo:
    """Copy the live ledger with VACUUM INTO (stays encrypted with the same key), then fsync and check."""
    if not re.fullmatch(r"[a-z0-9_-]+", reason):
        raise ValueError("backup reason must be a lowercase slug")
    folder.mkdir(parents=True, exist_ok=True)
    made_at = china_now().replace(tzinfo=None)
    final = folder / f"ledger-{made_at:%Y%m%d-%H%M%S-%f}-{reason}.db"
    tmp = folder / (final.name + ".partial")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    raw = engine.raw_connection()  # VACUUM cannot run inside the transaction SQLAlchemy would begin
    try:
        raw.driver_connection.execute("VACUUM INTO ?", (str(tmp),))
    finally:
        raw.close()
    try:
        fsync_path(tmp)
        check_file(tmp, key)
        fsync_path(tmp)
        os.replace(tmp, final)
        fsync_dir(folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    found = list_backups(folder)
    kept = {b.path for b in retained(found)}
    for old in found:
        if old.path not in kept:
            old.path.unlink(missing_ok=True)
    return BackupInfo(final, made_at, reason)
