"""Data files are the owner's only, and no half-written copy outlives a failure or a kill."""

from __future__ import annotations

import os
import stat

import pytest

from desktop.store.opening import open_store
from tests.factories import make_case_draft

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_ledger_log_backups_keyring_and_marks_are_readable_by_the_owner_only(store):
    store.append(make_case_draft())
    backup = store.backup("test")
    layout = store.layout
    wal, shm = layout.sidecars()
    for path in (layout.database, wal, shm, backup.path, layout.keyring, layout.head_mark):
        assert _mode(path) == 0o600, path.name
    for folder in (layout.folder, layout.backups):
        assert _mode(folder) == 0o700, folder.name


def test_an_existing_open_folder_is_tightened_at_open(store):
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    os.chmod(folder, 0o755)
    reopened, _ = open_store(folder, unlocked=unlocked)
    reopened.close()
    assert _mode(folder) == 0o700


def test_a_backup_that_fails_leaves_no_partial_file_and_a_killed_ones_is_removed_at_open(store, monkeypatch):
    from desktop.store import backup as backup_module

    store.append(make_case_draft())
    store.backup("test")

    def disk_full(path, key):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module, "_seal_new_copy", disk_full)
    with pytest.raises(OSError):
        store.backup("test")
    assert not list(store.layout.backups.glob("*.partial*"))
    monkeypatch.undo()

    leftover = store.layout.backups / "ledger-20261127-093000-000000-day-close.db.partial"
    leftover.write_bytes(b"half a copy")  # what a kill in the middle of VACUUM INTO leaves
    (store.layout.folder / "ledger.head.tmp").write_bytes(b"{")
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    reopened, _ = open_store(folder, unlocked=unlocked)
    reopened.close()
    assert not leftover.exists() and not (folder / "ledger.head.tmp").exists()


def test_the_head_mark_survives_a_torn_write_of_its_newer_slot(tmp_path):
    from desktop.store.files import SlotFile

    path = tmp_path / "ledger.head"
    slots = SlotFile(path)
    slots.write(b'{"seq": 41}')
    slots.write(b'{"seq": 42}')
    slots.close()
    assert SlotFile(path).read() == b'{"seq": 42}'
    with open(path, "r+b") as fh:  # a power cut half-way through the next write: the newer slot is garbage
        fh.seek(0)
        fh.write(b"\xff" * 100)
    assert SlotFile(path).read() == b'{"seq": 41}'
