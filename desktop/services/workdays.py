"""The working-day table the counter uses for deadlines: the county's, else the one shipped with the app."""

from __future__ import annotations

from desktop.store import county_feed
from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from sync.ledger.workdays import WorkdayTable


def current_table(store: LedgerStore) -> WorkdayTable:
    """The newest table the county sent (for the years it covers), else the one shipped with the app."""
    with read(store.engine) as conn:
        return county_feed.workday_table(conn)
