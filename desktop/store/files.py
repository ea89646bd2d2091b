"""Durable file operations: atomic replace with fsync of the file and of its folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def durable_copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` through a temporary name, fsynced, so ``dst`` is whole or absent."""
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    fsync_path(tmp)
    os.replace(tmp, dst)
    fsync_dir(dst.parent)
