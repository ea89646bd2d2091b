"""Migrations: the schema they build is the one the code declares; newer files are refused untouched."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import inspect

from desktop.store import migrations
from desktop.store.backup import list_backups
from desktop.store.engine import write
from desktop.store.migrations import StoreTooNew, known_version
from desktop.store.opening import open_store
from desktop.store.schema import metadata
from tests.factories import make_case_draft


def test_migrated_schema_matches_the_declared_tables(store):
    found = inspect(store.engine)
    assert set(found.get_table_names()) == set(metadata.tables)
    for name, table in metadata.tables.items():
        assert [c["name"] for c in found.get_columns(name)] == [c.name for c in table.columns], name
        assert {i["name"] for i in found.get_indexes(name)} == {i.name for i in table.indexes}, name


def test_a_store_from_a_newer_app_is_refused_and_left_byte_for_byte(store):
    with write(store.engine) as conn:
        conn.exec_driver_sql(f"PRAGMA user_version = {known_version() + 1}")
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    before = hashlib.sha256(store.layout.database.read_bytes()).hexdigest()
    with pytest.raises(StoreTooNew, match="更新版本") as info:
        open_store(folder, unlocked=unlocked)
    assert "没有任何改动" in str(info.value)
    assert hashlib.sha256(store.layout.database.read_bytes()).hexdigest() == before


def test_a_pending_migration_backs_up_first_and_runs_in_one_transaction(store, monkeypatch):
    store.append(make_case_draft())
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    extra = "0002_test_note"
    real_statements = migrations._statements
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + (extra,))
    monkeypatch.setattr(
        migrations,
        "_statements",
        lambda name: (
            ["CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT);", "INSERT INTO note VALUES (1, '升级');"]
            if name == extra
            else real_statements(name)
        ),
    )
    reopened, report = open_store(folder, unlocked=unlocked)
    try:
        assert report.migrated == (extra,)
        backups = list_backups(reopened.layout.backups)
        assert [b.reason for b in backups] == [f"before-migration-{extra}"]
        with reopened.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == known_version()
            assert conn.exec_driver_sql("SELECT text FROM note").scalar() == "升级"
    finally:
        reopened.close()


def test_a_failing_migration_leaves_the_version_and_data_as_they_were(store, monkeypatch):
    store.append(make_case_draft())
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    extra = "0002_broken"
    real_statements = migrations._statements
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + (extra,))
    monkeypatch.setattr(
        migrations,
        "_statements",
        lambda name: (
            ["CREATE TABLE half (id INTEGER);", "THIS IS NOT SQL;"] if name == extra else real_statements(name)
        ),
    )
    with pytest.raises(Exception):
        open_store(folder, unlocked=unlocked)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:-1])
    reopened, _ = open_store(folder, unlocked=unlocked)
    try:
        with reopened.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == known_version()
            assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'half'").scalar() == 0
        assert reopened.head().seq == 1
    finally:
        reopened.close()
