"""Working days: holidays and 调休 workdays count right; uncovered years are marked 时限待确认."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from sync.ledger.workdays import UNCONFIRMED, WorkdayTable, add_working_days, bundled_table, table_from_payload


def test_the_national_day_week_is_skipped_and_its_makeup_saturday_counts():
    table = bundled_table()
    # from 2025-09-30 (Tue): 10-01..10-08 are off; 10-09, 10-10, then Saturday 10-11 is a makeup workday
    deadline = add_working_days(date(2025, 9, 30), 3, table)
    assert deadline.confirmed and deadline.day == date(2025, 10, 11)
    assert add_working_days(date(2025, 9, 26), 1, table).day == date(2025, 9, 28)  # makeup Sunday 9-28


def test_a_plain_week_counts_weekdays_only():
    assert add_working_days(date(2025, 11, 14), 2, bundled_table()).day == date(2025, 11, 18)  # Fri → Tue


def test_a_year_the_table_does_not_cover_counts_weekends_only_and_says_so():
    deadline = add_working_days(date(2026, 12, 30), 3, bundled_table())
    assert deadline.day == date(2027, 1, 4) and not deadline.confirmed
    assert UNCONFIRMED in deadline.label()


def test_the_bundled_table_round_trips_through_the_feed_payload():
    table = bundled_table()
    assert {2024, 2025, 2026} <= table.years
    assert table_from_payload(table.to_payload()) == table


@given(st.dates(date(2024, 1, 1), date(2026, 12, 20)), st.integers(0, 10))
def test_the_deadline_is_a_working_day_with_exactly_n_working_days_after_the_start(start, n):
    table = bundled_table()
    deadline = add_working_days(start, n, table)
    if n:
        assert table.is_workday(deadline.day)
    between = [start.fromordinal(o) for o in range(start.toordinal() + 1, deadline.day.toordinal() + 1)]
    assert sum(table.is_workday(d) for d in between) == n


def test_a_malformed_table_is_refused():
    import pytest

    with pytest.raises(ValueError):
        table_from_payload({"years": [2025], "holidays": ["2024-10-01"], "workdays": []})
    with pytest.raises(ValueError):
        table_from_payload({"years": [2025], "holidays": ["2025-10-01"], "workdays": ["2025-10-01"]})
    assert isinstance(bundled_table(), WorkdayTable)
