"""The catalogue the counter uses: the newest of the shipped versions and those the county published."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.schema import county_item
from sync.ledger.catalogue import Catalogue, CatalogueError, load_catalogue, load_units, parse_catalogue, version_key

log = logging.getLogger(__name__)


def current_catalogue(store: LedgerStore) -> Catalogue:
    best = load_catalogue()
    with read(store.engine) as conn:
        payloads = (
            conn.execute(select(county_item.c.payload_json).where(county_item.c.kind == "catalogue")).scalars().all()
        )
    for payload in payloads:
        try:
            candidate = parse_catalogue(json.loads(payload)["data"], load_units())
        except (CatalogueError, ValueError, KeyError, TypeError):
            log.warning("ignoring a catalogue from the county that does not check out")
            continue
        if version_key(candidate.version) > version_key(best.version):
            best = candidate
    return best
