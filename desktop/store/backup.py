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

KEEP = 30
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


def make_backup(engine: Engine, key: str, folder: Path, reason: str, *, keep: int = KEEP) -> BackupInfo:
    """Copy the live ledger with VACUUM INTO (stays encrypted with the same key), then fsync and check."""
    if not re.fullmatch(r"[a-z0-9_-]+", reason):
        raise ValueError("backup reason must be a lowercase slug")
    folder.mkdir(parents=True, exist_ok=True)
    made_at = datetime.now()
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
    for old in list_backups(folder)[keep:]:
        old.path.unlink(missing_ok=True)
    return BackupInfo(final, made_at, reason)
