"""Durability: a child recording cases is killed with SIGKILL at random moments, again and again.

After every kill the store must open without needing repair, its chain must verify, and every case
whose save had returned in the child must be there. Set CRASH_KILLS to run more than the default 200.
"""

from __future__ import annotations

import os
import random
import select
import signal
import time

import pytest

from desktop.store.engine import read
from desktop.store.opening import open_store
from sync.ledger.catalogue import load_catalogue
from tests.factories import make_case_draft, make_store

KILLS = int(os.environ.get("CRASH_KILLS", "200"))
BACKUP_EVERY = 40  # the child also makes backups, so some kills land in the middle of one

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="the crash test forks children (POSIX only)"),
]


def _child(folder, unlocked, out_fd: int, seed: int) -> None:
    """Runs in the forked child: open the store and record cases until killed."""
    try:
        rng = random.Random(seed)
        store, _ = open_store(folder, unlocked=unlocked)
        catalogue = load_catalogue()
        os.write(out_fd, b"R\n")
        n = 0
        while True:
            (ev,) = store.append(make_case_draft(catalogue, amount=str(rng.randint(1, 300))))
            os.write(out_fd, f"A {ev.body['case_id']}\n".encode())  # the save returned: it must survive
            n += 1
            if n % BACKUP_EVERY == 0:
                store.backup("auto")
    except BaseException as exc:  # report, never fall back into the parent's pytest
        os.write(out_fd, f"E {type(exc).__name__}: {exc}\n".encode())
    finally:
        os._exit(0)


def _read_all(fd: int, already: bytes = b"") -> str:
    chunks = [already]
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode()


def _wait_ready(fd: int, timeout: float = 20.0) -> bytes:
    """Read until the child says it has opened the store (or has failed, or time is up)."""
    seen, deadline = b"", time.monotonic() + timeout
    while b"R\n" not in seen and b"E " not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
    return seen


def test_kill_minus_nine_during_saves_never_loses_a_returned_save(tmp_path):
    store = make_store(tmp_path / "data")
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    rng = random.Random(20261127)
    acknowledged: set[str] = set()
    killed_mid_run = 0

    for round_no in range(KILLS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(folder, unlocked, w, seed=round_no)
        os.close(w)
        seen = b""
        if round_no % 4:  # three rounds in four: kill while saving; the fourth: at any moment, opening included
            seen = _wait_ready(r)
            time.sleep(rng.uniform(0.0, 0.12))
        else:
            time.sleep(rng.uniform(0.0, 0.3))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        lines = _read_all(r, seen).splitlines()
        os.close(r)
        errors = [line for line in lines if line.startswith("E ")]
        assert not errors, f"round {round_no}: child failed: {errors}"
        acknowledged.update(line[2:] for line in lines if line.startswith("A "))
        killed_mid_run += any(line.startswith("A ") for line in lines)

        reopened, report = open_store(folder, unlocked=unlocked)
        try:
            assert report.recovery is None, f"round {round_no}: a kill damaged the file: {report.recovery}"
            head = reopened.verify()
            with read(reopened.engine) as conn:
                stored = set(conn.exec_driver_sql("SELECT case_id FROM case_view").scalars())
                recorded = conn.exec_driver_sql("SELECT count(*) FROM event WHERE type = 'case.recorded'").scalar()
            missing = acknowledged - stored
            assert not missing, f"round {round_no}: {len(missing)} returned saves are gone"
            assert recorded == len(stored) and head.seq >= len(stored)
        finally:
            reopened.close()

    assert killed_mid_run > KILLS // 2, "most kills should land while the child is saving"
    assert len(acknowledged) > KILLS
