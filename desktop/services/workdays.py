"""The working-day table the counter uses: the newest the county sent, else the one shipped with the app."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.schema import county_item
from sync.ledger.workdays import WorkdayTable, bundled_table, table_from_payload

log = logging.getLogger(__name__)


def current_table(store: LedgerStore) -> WorkdayTable:
    with read(store.engine) as conn:
        payloads = conn.execute(select(county_item.c.payload_json).where(county_item.c.kind == "workdays")
                                .order_by(county_item.c.cursor.desc())).scalars().all()
    bundled = bundled_table()
    for payload in payloads:
        try:
            table = table_from_payload(json.loads(payload))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed working-day table from the county")
            continue
        # the county's table wins for the years it covers; the bundled one fills the rest
        years = table.years | bundled.years
        keep = lambda days, own: frozenset(d for d in own if d.year not in table.years) | days  # noqa: E731
        return WorkdayTable(years, keep(table.holidays, bundled.holidays), keep(table.workdays, bundled.workdays))
    return bundled
