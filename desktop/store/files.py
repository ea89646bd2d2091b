"""Durable, private file operations: atomic replace with fsync of the file and its folder, owner-only modes."""

from __future__ import annotations

import os
import shutil
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
