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


@pytest.fixture(autouse=True)
def _logging_left_as_found():
    """A command run in-process configures logging (handlers into its data folder); the next test must not
    inherit them."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
