"""Child process for test_full_disk.py: fill a real disk (or cap file sizes), open the ledger, report as JSON.

Run as ``python -m tests.desktop.store.full_disk_child MODE FOLDER``: MODE ``tmpfs`` fills the small
file system FOLDER is on; ``rlimit`` caps the size of any file this process writes (RLIMIT_FSIZE).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
from pathlib import Path

from desktop.store.engine import read
from desktop.store.faults import StoreUnavailable
from desktop.store.opening import open_store
from tests.factories import make_case_draft, make_store


def _cases(store) -> list[str]:
    with read(store.engine) as conn:
        return list(conn.exec_driver_sql("SELECT receipt_no FROM case_view ORDER BY receipt_no").scalars())


def _fill(folder: Path) -> Path:
    """Write a filler file until the file system says it is full."""
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as fh:
        for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    fh.write(b"\0" * chunk)
            except OSError:
                pass
    return filler


def _files(folder: Path) -> list[str]:
    """The folder's files, less the -wal and -shm SQLite may create (empty) when it tries to open."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm")))


def _try_open(folder: Path, unlocked) -> dict:
    try:
        store, report = open_store(folder, unlocked=unlocked)
    except StoreUnavailable as exc:
        return {"refused": exc.kind, "message": exc.message}
    try:
        return {
            "refused": None,
            "recovery": report.recovery.message() if report.recovery else None,
            "receipts": _cases(store),
        }
    finally:
        store.close()


def main(mode: str, root: Path) -> dict:
    store = make_store(root / "data")
    folder, unlocked = store.layout.folder, store._unlocked
    for _ in range(6):
        store.append(make_case_draft())
    store.backup("day-close")
    for _ in range(10):  # saved after the backup: a restore from it would drop these
        store.append(make_case_draft())
    saved = _cases(store)
    store.close()
    before = _files(folder)
    if mode == "tmpfs":
        filler = _fill(root)
    else:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails with EFBIG instead
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
    full = _try_open(folder, unlocked)
    full["untouched"] = _files(folder) == before
    if mode == "tmpfs":
        filler.unlink()
    else:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    freed = _try_open(folder, unlocked)
    return {"saved": saved, "full": full, "freed": freed}


if __name__ == "__main__":
    result = main(sys.argv[1], Path(sys.argv[2]))
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    os._exit(0)
