"""Shared fixtures: a fresh real store on disk per test, and the bundled catalogue."""

from __future__ import annotations

import pytest

from desktop.store.keys import DEFAULT_COST
from sync.ledger.catalogue import load_catalogue
from tests.factories import make_store


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture
def store(tmp_path):
    store = make_store(tmp_path / "data")
    yield store
    store.close()


@pytest.fixture(autouse=True)
def _quick_key_derivation(monkeypatch):
    """Argon2id at a test-sized cost: the same code path, a fraction of the memory and time."""
    monkeypatch.setitem(DEFAULT_COST, "memory_cost", 8 * 1024)
    monkeypatch.setitem(DEFAULT_COST, "iterations", 1)
