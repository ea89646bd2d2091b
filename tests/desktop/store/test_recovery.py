"""A damaged ledger is detected at open and restored, and the agent is told exactly what was lost."""

from __future__ import annotations

import pytest

from desktop.store.engine import read
from desktop.store.opening import open_store
from desktop.store.recovery import StoreUnrecoverable
from tests.factories import make_case_draft

pytestmark = pytest.mark.date_sensitive


def record(store, n):
    return [store.append(make_case_draft())[0] for _ in range(n)]


def close(store):
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    return folder, unlocked


def page_of(store, object_name):
    with read(store.engine) as conn:
        root = conn.exec_driver_sql("SELECT rootpage FROM sqlite_master WHERE name = ?", (object_name,)).scalar()
        size = int(conn.exec_driver_sql("PRAGMA page_size").scalar())
    return root, size


def smash(path, page, size):
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * size + 100)
        fh.write(b"\xde\xad\xbe\xef" * 64)


def test_a_damaged_index_page_is_restored_with_nothing_lost(store):
    record(store, 5)
    store.backup("test")
    later = record(store, 4)
    page, size = page_of(store, "ix_case_name")
    folder, unlocked = close(store)
    smash(store.layout.database, page, size)

    restored, report = open_store(folder, unlocked=unlocked)
    try:
        rec = report.recovery
        assert rec is not None
        assert (rec.backup_seq, rec.salvaged, rec.recovered_seq, rec.lost) == (5, 4, 9, 0)
        assert "没有丢失" in rec.message() and rec.damaged_copy.exists()
        assert restored.verify().seq == 9
        with read(restored.engine) as conn:
            ids = set(conn.exec_driver_sql("SELECT case_id FROM case_view").scalars())
        assert {e.body["case_id"] for e in later} <= ids and len(ids) == 9
        # salvaged events go back in the outbox: the county dedups them by event id
        assert restored.outbox_counts()["pending"] == 9
    finally:
        restored.close()


def test_an_unreadable_file_falls_back_to_the_backup_and_names_the_receipts_to_check(store):
    record(store, 3)
    backup = store.backup("day-close")
    lost = record(store, 2)
    folder, unlocked = close(store)
    smash(store.layout.database, 1, 4096)  # the first page: nothing in the file can be read

    restored, report = open_store(folder, unlocked=unlocked)
    try:
        rec = report.recovery
        # the head mark beside the file still knows how far the ledger had got, and which receipts went out
        assert rec.backup.path == backup.path and rec.recovered_seq == 3 and rec.lost == 2
        first, last = (e.body["receipt_no"] for e in lost)
        assert rec.receipts_to_check == ((first, last),) and f"{first} 到 {last}" in rec.message()
        assert restored.verify().seq == 3
        (new,) = restored.append(make_case_draft())  # continues after the highest number ever issued
        assert int(new.body["receipt_no"].split("-")[2][1:]) == 6
    finally:
        restored.close()


def test_with_no_head_mark_an_unreadable_file_says_what_may_be_missing_and_serials_skip_ahead(store):
    record(store, 3)
    store.backup("day-close")
    record(store, 2)
    folder, unlocked = close(store)
    store.layout.head_mark.unlink()  # a ledger from before the head mark
    smash(store.layout.database, 1, 4096)

    restored, report = open_store(folder, unlocked=unlocked)
    try:
        assert report.recovery.lost is None and "纸质回执" in report.recovery.message()
        (new,) = restored.append(make_case_draft())
        assert int(new.body["receipt_no"].split("-")[2][1:]) > 500  # numbers on lost receipts are never reused
    finally:
        restored.close()


def test_a_missing_file_is_restored_from_the_backup(store):
    record(store, 2)
    store.backup("test")
    folder, unlocked = close(store)
    store.layout.database.unlink()
    restored, report = open_store(folder, unlocked=unlocked)
    try:
        assert report.recovery.recovered_seq == 2 and restored.head().seq == 2
    finally:
        restored.close()


def test_a_damaged_backup_is_skipped_for_an_older_good_one(store):
    record(store, 2)
    good = store.backup("test")
    record(store, 1)
    bad = store.backup("test")
    folder, unlocked = close(store)
    smash(bad.path, 2, 4096)
    smash(store.layout.database, 1, 4096)
    restored, report = open_store(folder, unlocked=unlocked)
    try:
        assert report.recovery.backup.path == good.path and restored.head().seq == 2
    finally:
        restored.close()


def test_no_backup_and_an_unreadable_file_stops_with_a_plain_message_and_keeps_the_file(store):
    record(store, 2)
    folder, unlocked = close(store)
    smash(store.layout.database, 1, 4096)
    with pytest.raises(StoreUnrecoverable, match="请不要删除任何文件"):
        open_store(folder, unlocked=unlocked)
    assert list(store.layout.damaged.glob("ledger-*.db"))


def test_a_backup_is_encrypted_and_passes_its_own_integrity_check(store):
    record(store, 2)
    info = store.backup("test")
    assert not info.path.read_bytes().startswith(b"SQLite format 3")
    assert not list(info.path.parent.glob("*.partial"))


def test_a_large_cleanly_closed_ledger_skips_the_whole_file_check_and_the_background_check_finds_damage(
    store, monkeypatch
):
    from desktop.store import opening
    from desktop.store.recovery import StoreDamaged

    monkeypatch.setattr(opening, "FULL_CHECK_BYTES", 0)  # treat this small file as a large one
    record(store, 3)
    store.backup("test")
    page, size = page_of(store, "ix_case_name")
    folder, unlocked = close(store)
    smash(store.layout.database, page, size)
    reopened, report = open_store(folder, unlocked=unlocked)  # fast path: the damaged index is not read
    try:
        assert report.recovery is None
        with pytest.raises(StoreDamaged):
            reopened.check_integrity()
        assert reopened.layout.check_failed.exists()
    finally:
        reopened.close()  # even after a clean close, the damage found is not forgotten
    restored, report = open_store(folder, unlocked=unlocked)  # the mark makes this open check in full
    try:
        assert report.recovery is not None and report.recovery.lost == 0 and not report.check_due
        assert not restored.layout.check_failed.exists()
    finally:
        restored.close()


def test_after_an_unclean_shutdown_a_large_file_opens_at_once_and_its_check_stays_due_until_it_passes(
    store, monkeypatch
):
    from desktop.store import opening

    monkeypatch.setattr(opening, "FULL_CHECK_BYTES", 0)  # treat this small file as a large one
    calls = []
    real = opening.check_health
    monkeypatch.setattr(opening, "check_health", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    record(store, 2)
    folder, unlocked = store.layout.folder, store._unlocked
    store.engine.dispose()  # killed: close() never ran
    reopened, report = open_store(folder, unlocked=unlocked)
    assert report.check_due and calls == [(False, True)]  # not checked at open: due in the background
    reopened.close()  # closed before the background check ran: still due
    again, report = open_store(folder, unlocked=unlocked)
    assert report.check_due
    again.check_integrity()
    again.close()
    third, report = open_store(folder, unlocked=unlocked)
    third.close()
    assert not report.check_due and calls[-1] == (False, False)


def test_a_small_file_is_checked_in_full_at_every_open(store):
    record(store, 1)
    folder, unlocked = close(store)
    reopened, report = open_store(folder, unlocked=unlocked)
    reopened.close()
    assert not report.check_due  # checked at open, nothing left for the background


def test_images_attached_after_the_backup_are_salvaged_with_their_records(store):
    from desktop.store import evidence
    from sync.ledger.catalogue import load_catalogue
    from sync.ledger.evidence import image_hash
    from sync.ledger.forms import draft_evidence

    item = load_catalogue().by_code("FL015")
    (case,) = store.append(
        make_case_draft(item_code="FL015", amount=None, materials={m.code: "received" for m in item.guide.materials})
    )
    store.backup("test")
    page = b"RIFF\x00\x00\x00\x00WEBP-a-scanned-page" * 50
    draft = draft_evidence(
        case.body["case_id"], item.guide.materials[0].code, image_hash(page), len(page), "image/webp", item
    )
    attached = evidence.attach(store, draft, page)
    index, size = page_of(store, "ix_case_name")
    folder, unlocked = close(store)
    smash(store.layout.database, index, size)

    restored, report = open_store(folder, unlocked=unlocked)
    try:
        assert report.recovery is not None and report.recovery.salvaged == 1
        assert evidence.image_data(restored, attached.seq) == page  # the bytes came back, still matching the chain
        assert [i.seq for i in evidence.unsent(restored)] == [attached.seq]  # and go to the county again
    finally:
        restored.close()
