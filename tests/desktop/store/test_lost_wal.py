"""A lost write-ahead log (issue: 31 saved cases vanished unnoticed and a printed receipt number was reused).

A child process records cases and is killed with SIGKILL, so its saves sit in ``ledger.db-wal``; the
log is then deleted, as a cleaning tool or a copy of the folder without it would. The head mark beside
the file must show that the ledger is behind: restore, salvage, name the receipts to check against paper,
and never issue one of their numbers again.
"""

from __future__ import annotations

import os
import signal

import pytest

from desktop.store.engine import read
from desktop.store.opening import open_store
from tests.factories import make_case_draft

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the writer is a forked child (POSIX only)")


def _killed_writer(folder, unlocked, cases: int) -> list[str]:
    """Record ``cases`` in a forked child that then dies by SIGKILL; the receipt numbers it had saved."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(r)
            store, _ = open_store(folder, unlocked=unlocked)
            for _ in range(cases):
                (ev,) = store.append(make_case_draft())
                os.write(w, f"{ev.body['receipt_no']}\n".encode())
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    os.close(w)
    with os.fdopen(r) as pipe:
        printed = pipe.read().split()
    os.waitpid(pid, 0)
    return printed


def _receipts(store) -> set[str]:
    with read(store.engine) as conn:
        return set(conn.exec_driver_sql("SELECT receipt_no FROM case_view").scalars())


def _serial(number: str) -> int:
    return int(number.split("-")[2][1:])


def test_a_deleted_wal_after_a_killed_writer_is_noticed_and_no_receipt_number_repeats(store):
    early = [store.append(make_case_draft())[0].body["receipt_no"] for _ in range(5)]
    store.backup("day-close")
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()

    printed = _killed_writer(folder, unlocked, 31)
    assert len(printed) == 31
    wal, shm = store.layout.sidecars()
    assert wal.exists()
    wal.unlink()
    shm.unlink(missing_ok=True)

    reopened, report = open_store(folder, unlocked=unlocked)
    try:
        rec = report.recovery
        assert rec is not None and rec.behind, "the lost saves must not go unnoticed"
        assert rec.lost == 31 and rec.recovered_seq == 5
        assert rec.receipts_to_check == ((printed[0], printed[-1]),)
        message = rec.message()
        assert "少了记录" in message and f"{printed[0]} 到 {printed[-1]}" in message and "不会重复" in message
        assert _receipts(reopened) == set(early)
        reopened.verify()
        after = [reopened.append(make_case_draft())[0].body["receipt_no"] for _ in range(3)]
        assert not set(after) & set(printed + early), "a receipt number already printed was issued again"
        assert _serial(after[0]) == _serial(printed[-1]) + 1
    finally:
        reopened.close()
    again, report = open_store(folder, unlocked=unlocked)  # the restore is final: the next open is quiet
    again.close()
    assert report.recovery is None


def test_a_wal_deleted_after_a_clean_close_changes_nothing(store):
    store.append(make_case_draft())
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()  # a clean close folds the log into the file
    for sidecar in store.layout.sidecars():
        sidecar.unlink(missing_ok=True)
    reopened, report = open_store(folder, unlocked=unlocked)
    reopened.close()
    assert report.recovery is None
