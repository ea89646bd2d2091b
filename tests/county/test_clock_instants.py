"""Awkward instants, with the one clock set in-process: a case recorded, completed, closed and synced at each.

The last second of a month, of a quarter and of a year; a day inside the Spring Festival holiday; the leap
day 2028-02-29; and a day in 2027, a year the bundled working-day table does not cover yet. At each the
receipt carries the day, the deadline counts working days (or says it is unconfirmed), the day close counts
the case, and the county credits the completion to the month and quarter the instant falls in.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import time_machine

from desktop.store.sync_port import StoreSyncPort
from sync.clock import CHINA_TZ, china_today
from sync.ledger.forms import draft_complete
from sync.ledger.points import month_of, quarter_of
from sync.ledger.receipts import parse_receipt_no
from sync.ledger.workdays import UNCONFIRMED, add_working_days, bundled_table
from tests.county.test_sync_e2e import activated, engine_for
from tests.factories import make_case_draft

pytestmark = pytest.mark.date_sensitive

INSTANTS = {
    "last second of April": (
        datetime(2026, 4, 30, 23, 59, 59, tzinfo=CHINA_TZ),
        date(2026, 5, 7),
    ),  # 1–5 May off, the 6th and 7th worked
    "last second of Q3": (datetime(2026, 9, 30, 23, 59, 59, tzinfo=CHINA_TZ), date(2026, 10, 9)),  # 1–7 October off
    "last second of 2026": (datetime(2026, 12, 31, 23, 59, 59, tzinfo=CHINA_TZ), None),
    "Spring Festival 2026": (datetime(2026, 2, 18, 10, 0, tzinfo=CHINA_TZ), date(2026, 2, 25)),
    "leap day 2028": (datetime(2028, 2, 29, 12, 0, tzinfo=CHINA_TZ), None),
    "a day in 2027": (datetime(2027, 1, 4, 9, 30, tzinfo=CHINA_TZ), None),
}


@pytest.mark.parametrize("name", INSTANTS)
def test_a_case_at_an_awkward_instant_keeps_its_day_month_and_quarter(name, county, tmp_path, catalogue):
    instant, expected_deadline = INSTANTS[name]
    with time_machine.travel(instant, tick=False):
        store, _setup = activated(county, tmp_path)
        try:
            today = china_today()
            assert today == instant.date()
            (recorded,) = store.append(make_case_draft(catalogue, business_date=today))
            store.append(draft_complete(recorded.body["case_id"]))
            receipt = parse_receipt_no(recorded.body["receipt_no"])
            assert receipt.business_date == instant.date()

            deadline = add_working_days(today, 2, bundled_table())
            if expected_deadline is None:  # a year the table does not cover: weekends only, said so
                assert not deadline.confirmed and deadline.label().endswith(f"（{UNCONFIRMED}）")
            else:
                assert deadline.confirmed and deadline.day == expected_deadline

            closed, _backup = store.close_day(today)
            assert closed.body["case_count"] == 1

            report = engine_for(store).run()
            assert report.ok and report.rejected == 0
            again = engine_for(store).run()
            assert again.ok
            statement = json.loads(StoreSyncPort(store).county_items("points_statement")[-1]["payload_json"])
            month = month_of(instant)
            assert month == f"{instant.year:04d}-{instant.month:02d}"
            points = catalogue.by_code(recorded.body["item_code"]).points
            assert statement["months"][month]["credited"] == points
            assert statement["quarters"] == {quarter_of(month): points}
        finally:
            store.close()
