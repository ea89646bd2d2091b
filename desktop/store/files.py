"""Durable, private file operations: atomic replace with fsync of the file and its folder, owner-only modes."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
from pathlib import Path

FILE_MODE, DIR_MODE = 0o600, 0o700  # the owner only (POSIX); Windows keeps the user profile's own ACL
LEFTOVER_SUFFIXES = (".partial", ".partial-wal", ".partial-shm", ".partial-journal", ".tmp")


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` survive power loss (a no-op where unsupported)."""
    if os.name == "nt":
        return  # Windows cannot open a folder for fsync; NTFS journals the metadata itself
    fsync_path(folder)


def private_dir(folder: Path) -> Path:
    """Create ``folder`` (and its parents) readable by the owner only; tighten it if it already exists."""
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if os.name != "nt":
        os.chmod(folder, DIR_MODE)
    return folder


def private_file(path: Path) -> None:
    """Make sure ``path`` exists with owner-only permissions (SQLite gives its -wal and -shm the same mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    if os.name != "nt":
        os.chmod(path, FILE_MODE)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def durable_copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` through a temporary name, fsynced, so ``dst`` is whole or absent."""
    tmp = dst.with_name(dst.name + ".tmp")
    try:
        private_file(tmp)
        shutil.copyfile(src, tmp)
        fsync_path(tmp)
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(dst.parent)


def remove_leftovers(*folders: Path) -> list[str]:
    """Delete half-written files a failed or killed write left behind (``*.partial``, ``*.tmp``); their names."""
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and path.name.endswith(LEFTOVER_SUFFIXES):
                path.unlink(missing_ok=True)
                removed.append(path.name)
    return removed


class SlotFile:
    """A small record kept durably in place: two fixed 4 KiB slots written in turn, each with a counter and a
    checksum, so a reader always finds a whole record (the newer, or the one before a torn write).

    Each write overwrites blocks already allocated and flushes the data only (``fdatasync``): no new inode,
    no rename, no folder flush, so it costs about what SQLite's own commit does, where an atomic
    rename-and-fsync costs a journal commit of the file system (ten times more on a counter PC's disk).
    """

    SLOT = 4096
    _HEADER = struct.Struct("<8sQI32s")  # magic, counter, payload length, sha256 of the payload
    _MAGIC = b"SSBSLOT1"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = None

    def _slots(self, raw: bytes) -> list[tuple[int, bytes]]:
        found = []
        for index in range(2):
            chunk = raw[index * self.SLOT : (index + 1) * self.SLOT]
            if len(chunk) < self._HEADER.size:
                continue
            magic, counter, length, digest = self._HEADER.unpack_from(chunk)
            payload = chunk[self._HEADER.size : self._HEADER.size + length]
            if magic == self._MAGIC and len(payload) == length and hashlib.sha256(payload).digest() == digest:
                found.append((counter, payload))
        return found

    def read(self) -> bytes | None:
        """The newest whole record, or None when the file is missing or holds none."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        found = self._slots(raw)
        return max(found)[1] if found else None

    def _open(self):
        if self._fh is None:
            if not self.path.exists():
                atomic_write_bytes(self.path, bytes(2 * self.SLOT))  # allocated once, owner-only, durable
            self._fh = open(self.path, "r+b", buffering=0)  # noqa: SIM115 - held open for the session
        return self._fh

    def write(self, payload: bytes) -> None:
        if len(payload) > self.SLOT - self._HEADER.size:
            raise ValueError("record too large for its slot")
        fh = self._open()
        fh.seek(0)
        found = self._slots(fh.read(2 * self.SLOT))
        counter = max(found)[0] + 1 if found else 1
        record = self._HEADER.pack(self._MAGIC, counter, len(payload), hashlib.sha256(payload).digest()) + payload
        fh.seek((counter % 2) * self.SLOT)
        fh.write(record.ljust(self.SLOT, b"\0"))
        (getattr(os, "fdatasync", None) or os.fsync)(fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
