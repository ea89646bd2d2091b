"""Durability: a child recording cases is killed with SIGKILL at random moments, again and again.

After every kill the store must open without needing repair, its chain must verify, and every case
whose save had returned in the child must be there. In the second test the write-ahead log is deleted
after every kill (a cleaning tool, a copy of the folder without it): the store must then notice each
save that went with it, name its receipt number for checking against paper, and never issue a number
already printed. The default is 30 kills each; the full run sets CRASH_KILLS (bench/README.md).
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
from sync.ledger.receipts import format_receipt_no, parse_receipt_no
from tests.factories import make_case_draft, make_store

KILLS = int(os.environ.get("CRASH_KILLS", "30"))
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
            os.write(out_fd, f"A {ev.body['case_id']} {ev.body['receipt_no']}\n".encode())  # returned: printed
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


def _wait_ready(fd: int, timeout: float = 20.0, *, until: bytes = b"R\n", seen: bytes = b"") -> bytes:
    """Read until the child says it has opened the store (or ``until`` shows, or it failed, or time is up)."""
    deadline = time.monotonic() + timeout
    while until not in seen and b"E " not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
    return seen


def _kill_round(folder, unlocked, rng: random.Random, round_no: int) -> list[tuple[str, str]]:
    """One child killed at a random moment: the (case id, receipt number) of every save that returned."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child(folder, unlocked, w, seed=round_no)
    os.close(w)
    seen = b""
    if round_no % 4:  # three rounds in four: kill while saving; the fourth: at any moment, opening included
        seen = _wait_ready(r)
        seen = _wait_ready(r, until=b"A ", seen=seen)  # saving has begun, however slow the machine is today
        time.sleep(rng.uniform(0.0, 0.12))
    else:
        time.sleep(rng.uniform(0.0, 0.3))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    lines = _read_all(r, seen).splitlines()
    os.close(r)
    errors = [line for line in lines if line.startswith("E ")]
    assert not errors, f"round {round_no}: child failed: {errors}"
    return [tuple(line[2:].split()) for line in lines if line.startswith("A ")]


def _held(store) -> tuple[set[str], int]:
    with read(store.engine) as conn:
        stored = set(conn.exec_driver_sql("SELECT case_id FROM case_view").scalars())
        recorded = conn.exec_driver_sql("SELECT count(*) FROM event WHERE type = 'case.recorded'").scalar()
    return stored, recorded


def test_kill_minus_nine_during_saves_never_loses_a_returned_save(tmp_path):
    store = make_store(tmp_path / "data")
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    rng = random.Random(20261127)
    acknowledged: set[str] = set()
    killed_mid_run = 0

    for round_no in range(KILLS):
        saves = _kill_round(folder, unlocked, rng, round_no)
        acknowledged.update(case_id for case_id, _receipt in saves)
        killed_mid_run += bool(saves)

        reopened, report = open_store(folder, unlocked=unlocked)
        try:
            assert report.recovery is None, f"round {round_no}: a kill damaged the file: {report.recovery}"
            head = reopened.verify()
            stored, recorded = _held(reopened)
            missing = acknowledged - stored
            assert not missing, f"round {round_no}: {len(missing)} returned saves are gone"
            assert recorded == len(stored) and head.seq >= len(stored)
        finally:
            reopened.close()

    assert killed_mid_run > KILLS // 2, "most kills should land while the child is saving"
    assert len(acknowledged) > KILLS


def _named(report) -> set[str]:
    """Every receipt number the restore told the agent to check against paper."""
    named = set()
    for first, last in report.recovery.receipts_to_check if report.recovery else ():
        a, b = parse_receipt_no(first), parse_receipt_no(last)
        named |= {
            format_receipt_no(a.point_code, a.business_date, a.device_no, n) for n in range(a.serial, b.serial + 1)
        }
    return named


def test_kill_minus_nine_then_a_deleted_wal_is_always_noticed_and_never_repeats_a_receipt(tmp_path):
    store = make_store(tmp_path / "data")
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    rng = random.Random(20261128)
    present: dict[str, str] = {}  # case id → receipt number of returned saves the ledger should hold
    printed: set[str] = set()  # every receipt number a returned save handed out, ever
    restores = lost_total = 0

    for round_no in range(KILLS):
        for case_id, receipt in _kill_round(folder, unlocked, rng, round_no):
            assert receipt not in printed, f"round {round_no}: receipt {receipt} was issued twice"
            printed.add(receipt)
            present[case_id] = receipt
        for sidecar in store.layout.sidecars():
            sidecar.unlink(missing_ok=True)

        reopened, report = open_store(folder, unlocked=unlocked)
        try:
            reopened.verify()
            stored, recorded = _held(reopened)
            gone = {case_id: receipt for case_id, receipt in present.items() if case_id not in stored}
            if gone:
                assert report.recovery is not None, f"round {round_no}: {len(gone)} saves vanished unnoticed"
                unnamed = set(gone.values()) - _named(report)
                assert not unnamed, f"round {round_no}: lost receipts not named for checking: {sorted(unnamed)}"
                restores += 1
                lost_total += len(gone)
                for case_id in gone:
                    del present[case_id]
            assert recorded == len(stored)
        finally:
            reopened.close()

    assert restores, "deleting the log after a kill mid-save should lose saves in some rounds"
    print(
        f"\n{KILLS} kills with the WAL deleted: {restores} restores, {lost_total} saves lost and named, "
        f"{len(printed)} receipts printed, none twice"
    )
