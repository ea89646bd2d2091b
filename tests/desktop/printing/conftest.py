"""Printing fixtures: one sample day recorded through the real forms into a real store, shared by a module's tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from desktop.services.print_sample_day import SAMPLE_POINT, SampleDay, record_sample_day, sample_documents
from desktop.store.keys import DEFAULT_COST
from desktop.store.ledger import LedgerStore
from sync.ledger.catalogue import Catalogue, load_catalogue
from tests.factories import make_store

# Every full ID number and phone number recorded by record_sample_day: none may appear on paper.
SAMPLE_SECRETS = (
    "360222195603141237",
    "360222194807220311",
    "360222193911050020",
    "360222196512300014",
    "13979812345",
    "15807981234",
    "13907981122",
    "18979856789",
    "程建军",  # the family member who took the return mailing: masked on the 领取单
)


@dataclass(frozen=True)
class SampleLedger:
    store: LedgerStore
    catalogue: Catalogue
    day: SampleDay
    documents: dict


@pytest.fixture(scope="module")
def sample_ledger(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(DEFAULT_COST, "memory_cost", 8 * 1024)
        patch.setitem(DEFAULT_COST, "iterations", 1)
        store = make_store(tmp_path_factory.mktemp("printing") / "data", point_name=SAMPLE_POINT)
    catalogue = load_catalogue()
    day = record_sample_day(store, catalogue)
    yield SampleLedger(store, catalogue, day, sample_documents(store, catalogue, day))
    store.close()
