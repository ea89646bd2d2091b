"""Baselines for the save benchmark: the same canonical JSON rows inserted straight into SQLite, one commit each."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.timing import ms
from desktop.store.engine import connect_raw
from sync.ledger.canonical import canonical_bytes
from sync.ledger.events import EventDraft

_TABLE = """CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, occurred_at TEXT NOT NULL,
    subject_id TEXT, body_json TEXT NOT NULL, pii_json TEXT)"""
_INSERT = "INSERT INTO event (seq, event_id, type, occurred_at, subject_id, body_json, pii_json) VALUES (?,?,?,?,?,?,?)"


def _plain(path: Path) -> Any:
    conn = sqlite3.connect(str(path), isolation_level=None)
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    assert mode.lower() == "wal", mode
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _save_loop(conn: Any, drafts: Sequence[EventDraft], warmup: int) -> list[float]:
    """Per save: serialise body and personal fields canonically, then BEGIN IMMEDIATE, INSERT, COMMIT."""
    conn.execute(_TABLE)
    samples = []
    for seq, draft in enumerate(drafts, start=1):
        start = time.perf_counter_ns()
        body = canonical_bytes(dict(draft.body)).decode("utf-8")
        pii = canonical_bytes(dict(draft.pii)).decode("utf-8")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            _INSERT, (seq, draft.event_id, str(draft.type), draft.occurred_at, draft.body.get("case_id"), body, pii)
        )
        conn.execute("COMMIT")
        if seq > warmup:
            samples.append(ms(time.perf_counter_ns() - start))
    return samples


def _run(connect: Callable[[], Any], drafts: Sequence[EventDraft], warmup: int) -> list[float]:
    conn = connect()
    try:
        return _save_loop(conn, drafts, warmup)
    finally:
        conn.close()


def plain_sqlite_saves(path: Path, drafts: Sequence[EventDraft], warmup: int) -> list[float]:
    """Unencrypted stdlib sqlite3, WAL + synchronous=FULL: the floor a durable save cannot go below."""
    return _run(lambda: _plain(path), drafts, warmup)


def sqlcipher_saves(path: Path, key: str, drafts: Sequence[EventDraft], warmup: int) -> list[float]:
    """The same rows through the store's own connect_raw (SQLCipher, same pragmas): what encryption adds."""
    return _run(lambda: connect_raw(path, key), drafts, warmup)
