"""Shared fixtures: the clock set to the test day, a fresh real store on disk per test, the bundled catalogue."""

from __future__ import annotations

import os
from datetime import datetime, time

import pytest
import time_machine
from argon2 import PasswordHasher

from desktop.store.keys import DEFAULT_COST
from sync.clock import CHINA_TZ
from sync.ledger.catalogue import load_catalogue
from tests.county.db_templates import migrated_postgres, migrated_sqlite, postgres_copies  # noqa: F401 - fixtures for every test
from tests.factories import TEST_DAY, make_store

TEST_MORNING = datetime.combine(TEST_DAY, time(9, 30), tzinfo=CHINA_TZ)


@pytest.fixture(autouse=True)
def clock_at_test_day(request):
    """Every test starts at 09:30 on the test day, China time, with the clock running from there.

    Nothing in the suite depends on the day it runs. A test that needs another instant travels there itself
    (``time_machine.travel`` nests), or is marked ``real_clock`` when it must see the machine's own time.
    With SUISHENBAN_TESTS_ON_MACHINE_CLOCK=1 no test is pinned: .ci/run uses it to run the date-sensitive
    tests once more under libfaketime, on a machine clock set to another day.
    """
    if request.node.get_closest_marker("real_clock") or os.environ.get("SUISHENBAN_TESTS_ON_MACHINE_CLOCK") == "1":
        yield None
        return
    with time_machine.travel(TEST_MORNING, tick=True) as traveller:
        yield traveller


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
    # the console's staff passwords too (a hash keeps its own parameters, so any hash still verifies)
    monkeypatch.setattr(
        "county.services.staff.HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


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


@pytest.fixture
def county_query_url() -> str:
    """The 专区 query page a test county prints on receipts and signs: none, unless a test module says."""
    return ""
