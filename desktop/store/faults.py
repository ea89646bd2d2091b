"""Sorting errors met while opening the ledger: the machine cannot now (disk full, I/O) versus proven damage."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR = 5, 6, 8, 10
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 11, 13, 14, 26
FULL, IO, BUSY, READ_ONLY, UNKNOWN = "full", "io", "busy", "read_only", "unknown"
MB = 1024 * 1024
MARGIN_BYTES = 64 * MB  # room for the write-ahead log and the day's saves on top of a copy of the ledger

_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DAMAGE_TEXTS = ("file is not a database", "malformed", "integrity", "checksum", "hmac")


class StoreUnavailable(Exception):
    """The ledger cannot be opened now (full disk, I/O error, held by another program); nothing was moved.

    ``message`` is for the agent: what happened, that nothing was lost, what to do; the next start tries again.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
        if isinstance(orig, BaseException) and id(orig) not in seen:
            yield orig
        exc = exc.__cause__ or exc.__context__


def machine_fault(exc: BaseException) -> str | None:
    """FULL, IO, BUSY or READ_ONLY when ``exc`` (or what caused it) says the machine cannot now; else None."""
    for err in _chain(exc):
        if isinstance(err, StoreUnavailable):
            return err.kind
        if isinstance(err, OSError) and err.errno is not None:
            if err.errno in _FULL_ERRNOS:
                return FULL
            if err.errno == errno.EIO:
                return IO
            if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return READ_ONLY
        code = getattr(err, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        text = str(err).lower()
        if primary == SQLITE_FULL or "disk is full" in text or "no space left" in text:
            return FULL
        if primary == SQLITE_IOERR or "disk i/o error" in text:
            return IO
        if primary in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in text:
            return BUSY
        if primary in (SQLITE_READONLY, SQLITE_CANTOPEN) or "readonly database" in text or "unable to open" in text:
            return READ_ONLY
    return None


def proves_damage(exc: BaseException) -> bool:
    """True only for errors that show the file's content is wrong: not a database, malformed, a failed check."""
    if machine_fault(exc) is not None:
        return False
    for err in _chain(exc):
        code = getattr(err, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB):
            return True
        if any(text in str(err).lower() for text in _DAMAGE_TEXTS):
            return True
    return False


def _free(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def space_needed(folder: Path, *files: Path) -> int:
    """Bytes to free so that the ledger opens and can be backed up: a copy of ``files`` plus a margin."""
    held = sum(f.stat().st_size for f in files if f.exists())
    return max(MARGIN_BYTES, held + MARGIN_BYTES - (_free(folder) or 0))


def unavailable(kind: str, folder: Path, *files: Path) -> StoreUnavailable:
    """The agent's message for a ledger that cannot be opened now; nothing was moved or changed.

    SQLite reports a failed write to its shared-memory or log file as an I/O error even when the disk is
    full, so an I/O error on a disk with less free space than a copy of the ledger is told as a full disk."""
    free = _free(folder) if kind in (IO, UNKNOWN) else None
    if free is not None and free < sum(f.stat().st_size for f in files if f.exists()) + MARGIN_BYTES:
        kind = FULL
    kept = "台账文件没有任何改动，已保存的记录都在。"
    if kind == FULL:
        need = -(-space_needed(folder, *files) // MB)
        text = (
            f"电脑磁盘已满，台账现在打不开。{kept}请删除不用的文件（或请人帮忙清理），"
            f"至少腾出 {need} MB 空间，然后再打开软件。"
        )
    elif kind == IO:
        text = (
            f"读取台账时电脑磁盘出错，台账现在打不开。{kept}请重新启动电脑后再打开软件；"
            "如果还是这样，请联系技术人员检查硬盘，不要删除台账文件夹里的任何文件。"
        )
    elif kind == BUSY:
        text = f"台账正被另一个程序占用，现在打不开。{kept}请关掉多开的“乡村随身办”窗口，或重新启动电脑后再打开。"
    elif kind == READ_ONLY:
        text = f"台账文件不能写入（可能被设为只读或没有权限），现在打不开。{kept}请联系技术人员。"
    else:
        text = f"台账现在打不开。{kept}请重新启动电脑后再打开软件；如果还是这样，请联系乡镇或县政务服务管理局。"
    return StoreUnavailable(kind, text)
