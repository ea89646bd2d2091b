"""Backup rotation (备份保留): a week of copies, then one a week, then one a month — never a month of dailies."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from desktop.store.backup import BackupInfo, retained


def daily(days: int, start: datetime = datetime(2026, 11, 27, 18, 0)) -> list[BackupInfo]:
    return [BackupInfo(Path(f"b{n}"), start - timedelta(days=n), "day-close") for n in range(days)]


def test_a_year_of_day_closes_keeps_ten_days_four_weeks_and_three_months():
    kept = retained(daily(365))
    ages = sorted((datetime(2026, 11, 27, 18, 0) - b.made_at).days for b in kept)
    assert ages[:10] == list(range(10))  # the newest three, then seven more days
    weeks = {b.made_at.isocalendar()[:2] for b in kept}
    months = {(b.made_at.year, b.made_at.month) for b in kept}
    assert len(kept) == 17 and len(weeks) >= 4 + 2 and len(months) >= 3 + 1
    assert max(ages) > 60  # something from a couple of months back, for damage found late


def test_few_backups_are_all_kept_and_the_newest_is_always_kept():
    assert len(retained(daily(5))) == 5
    several_today = [BackupInfo(Path(f"m{n}"), datetime(2026, 11, 27, 9, n), "manual") for n in range(20)]
    kept = retained(several_today + daily(40, datetime(2026, 11, 26, 18, 0)))
    assert max(b.made_at for b in kept) == datetime(2026, 11, 27, 9, 19)
    kept_days = {b.made_at.date() for b in kept}
    assert {datetime(2026, 11, 27 - n).date() for n in range(1, 8)} <= kept_days  # a week of day closes survives
