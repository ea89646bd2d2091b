"""Backups ranked by what they hold (issue: a copy made under a PC clock set to 2036 won every restore).

A backup made while the clock was ten years ahead must neither win a restore over the real newest one,
nor push the real day-close copy out of retention, nor move where receipt serials skip from.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from desktop.store.backup import list_backups
from desktop.store.engine import read
from desktop.store.opening import open_store
from sync.ledger.events import CHINA_TZ
from tests.desktop.store.test_recovery import smash
from tests.factories import TEST_DAY, make_case_draft


def _at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=CHINA_TZ), tick=False)


def _record(store, n: int) -> list[str]:
    return [store.append(make_case_draft())[0].body["receipt_no"] for _ in range(n)]


def _ledger_with_a_backup_from_2036(store) -> tuple[list[str], object]:
    printed = []
    with _at(2026, 11, 26, 18, 0):
        printed += _record(store, 3)
        store.backup("day-close")
    with _at(2036, 5, 1, 10, 0):  # the PC clock was wrong for a while
        printed += _record(store, 2)
        store.backup("manual")
    with _at(2026, 11, 27, 18, 0):
        printed += _record(store, 4)
        _closed, day_close = store.close_day(TEST_DAY)
    for minute in (5, 10):  # two more copies the same evening: retention must still keep the day close
        with _at(2026, 11, 27, 18, minute):
            printed += _record(store, 1)
            newest = store.backup("manual")
    return printed, (day_close, newest)


@pytest.mark.parametrize("mark_kept", [True, False], ids=["head-mark", "no-head-mark"])
def test_a_backup_made_under_a_clock_years_ahead_never_wins_and_no_receipt_repeats(store, mark_kept):
    printed, (day_close, newest) = _ledger_with_a_backup_from_2036(store)
    backups = list_backups(store.layout.backups)
    assert backups[0].path == newest.path and backups[0].seq == newest.seq == 12
    assert day_close.path.exists(), "retention deleted the real day-close backup"
    assert any(b.made_at.year == 2036 for b in backups)  # kept, but ranked by what it holds (5 records)

    with _at(2026, 11, 27, 19, 0):
        printed += _record(store, 2)  # saved and printed after the last backup
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    if not mark_kept:
        store.layout.head_mark.unlink()  # a ledger from before the head mark: serials must skip ahead
    smash(store.layout.database, 1, 4096)

    with _at(2026, 11, 27, 19, 30):
        restored, report = open_store(folder, unlocked=unlocked)
        try:
            rec = report.recovery
            assert rec.backup.path == newest.path and rec.recovered_seq == 12
            assert "含前 12 条记录" in rec.message()
            after = _record(restored, 3)
            with read(restored.engine) as conn:
                held = set(conn.exec_driver_sql("SELECT receipt_no FROM case_view").scalars())
        finally:
            restored.close()
    assert not set(after) & set(printed), "a receipt number already printed was issued again"
    assert set(printed[:-2]) <= held
    if mark_kept:
        assert rec.lost == 2 and rec.receipts_to_check == ((printed[-2], printed[-1]),)
