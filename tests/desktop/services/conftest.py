"""Service fixtures: a counter session on a fresh store, its clock pinned to 2026-11-27 10:30 (China time)."""

from __future__ import annotations

from datetime import datetime

import pytest

from desktop.services.session import Counter
from desktop.settings import Settings
from sync.ledger.events import CHINA_TZ
from tests.factories import make_store

NOW = datetime(2026, 11, 27, 10, 30, tzinfo=CHINA_TZ)


@pytest.fixture
def counter(tmp_path, catalogue):
    store = make_store(tmp_path / "data")
    made = Counter(store, catalogue, Settings(tmp_path / "data"), clock=lambda: NOW)
    yield made
    made.close()
