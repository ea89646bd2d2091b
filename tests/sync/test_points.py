"""Tests for the points rules: China-time months, the monthly cap, voids and quarterly totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.ledger.points import (
    MONTHLY_CAP,
    CaseAward,
    CaseCredit,
    award_cases,
    month_of,
    monthly_points,
    quarter_of,
    quarter_points,
    remaining_this_month,
)

CST = timezone(timedelta(hours=8))
UTC = UTC


def make_credit(
    case_id: str = "C1",
    *,
    points_class: int = 3,
    points: int | None = None,
    completed_at: datetime | None = None,
    voided: bool = False,
) -> CaseCredit:
    return CaseCredit(
        case_id=case_id,
        points_class=points_class,
        points=points_class if points is None else points,
        completed_at=completed_at or datetime(2026, 11, 10, 9, 0, tzinfo=CST),
        voided=voided,
    )


# --- months in China time -------------------------------------------------------------------


def test_late_evening_china_time_counts_in_that_month_although_utc_is_earlier() -> None:
    assert month_of(datetime(2026, 11, 30, 23, 30, tzinfo=CST)) == "2026-11"
    assert month_of(datetime(2026, 11, 30, 15, 30, tzinfo=UTC)) == "2026-11"


def test_midnight_china_time_starts_the_new_month_while_utc_is_still_the_day_before() -> None:
    assert month_of(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == "2026-12"
    assert month_of(datetime(2026, 12, 1, 0, 0, tzinfo=CST)) == "2026-12"
    assert month_of(datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)) == "2026-11"


def test_month_boundary_decides_where_a_case_is_credited() -> None:
    before = make_credit("A", completed_at=datetime(2026, 11, 30, 15, 59, tzinfo=UTC))
    after = make_credit("B", completed_at=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    months = monthly_points([before, after])
    assert list(months) == ["2026-11", "2026-12"]
    assert months["2026-11"].case_count == months["2026-12"].case_count == 1


def test_new_year_in_china_time_is_a_new_quarter() -> None:
    credit = make_credit(completed_at=datetime(2026, 12, 31, 16, 0, tzinfo=UTC))
    assert list(quarter_points([credit])) == ["2027-Q1"]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        month_of(datetime(2026, 11, 30, 23, 30))
    with pytest.raises(ValueError):
        make_credit(completed_at=datetime(2026, 11, 30, 23, 30))


@pytest.mark.parametrize(
    ("month", "quarter"),
    [
        ("2026-01", "2026-Q1"),
        ("2026-03", "2026-Q1"),
        ("2026-04", "2026-Q2"),
        ("2026-09", "2026-Q3"),
        ("2026-10", "2026-Q4"),
        ("2026-12", "2026-Q4"),
    ],
)
def test_quarter_of_a_month(month: str, quarter: str) -> None:
    assert quarter_of(month) == quarter


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", ""])
def test_quarter_of_a_malformed_month_is_refused(month: str) -> None:
    with pytest.raises(ValueError):
        quarter_of(month)


@pytest.mark.parametrize("overrides", [{"points_class": 0}, {"points_class": 6}, {"points": -1}, {"case_id": ""}])
def test_impossible_credits_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_credit(**overrides)  # type: ignore[arg-type]


# --- the monthly cap --------------------------------------------------------------------------


def november(hour_offset: int) -> datetime:
    return datetime(2026, 11, 1, tzinfo=CST) + timedelta(hours=hour_offset)


def test_a_month_crossing_the_cap_credits_the_earliest_completed_cases_fully() -> None:
    credits = [make_credit(f"C{i:03d}", points_class=5, completed_at=november(i)) for i in range(210)]
    awards = award_cases(reversed(credits))
    assert [a.case_id for a in awards] == [c.case_id for c in credits]
    assert all(a.credited == 5 for a in awards[:200])
    assert all(a.credited == 0 for a in awards[200:])
    month = monthly_points(credits)["2026-11"]
    assert (month.raw, month.credited, month.capped) == (1050, MONTHLY_CAP, True)
    assert month.by_class == {5: 1050}
    assert month.case_count == 210


def test_the_case_that_crosses_the_cap_gets_only_what_fits() -> None:
    credits = [make_credit(f"C{i:03d}", points_class=5, completed_at=november(i)) for i in range(197)]  # 985 points
    credits += [
        make_credit(f"X{i}", points_class=4, completed_at=november(200 + i)) for i in range(5)
    ]  # 989, 993, 997, then X3 crosses 1000 and X4 gets nothing
    awards = {a.case_id: a for a in award_cases(credits)}
    assert awards["X2"] == CaseAward("X2", "2026-11", points=4, credited=4)
    assert awards["X3"] == CaseAward("X3", "2026-11", points=4, credited=3)
    assert awards["X4"] == CaseAward("X4", "2026-11", points=4, credited=0)


def test_cases_completed_at_the_same_moment_are_capped_by_case_id() -> None:
    same = datetime(2026, 11, 20, 10, 0, tzinfo=CST)
    credits = [make_credit(cid, points_class=4, completed_at=same) for cid in ("B", "C", "A")]
    awards = award_cases(credits, cap=6)
    assert [(a.case_id, a.credited) for a in awards] == [("A", 4), ("B", 2), ("C", 0)]


def test_reaching_the_cap_exactly_is_not_reported_as_capped() -> None:
    credits = [make_credit(f"C{i}", points_class=5, completed_at=november(i)) for i in range(2)]
    month = monthly_points(credits, cap=10)["2026-11"]
    assert (month.credited, month.capped) == (10, False)
    assert remaining_this_month(credits, november(5), cap=10) == 0


def test_each_month_has_its_own_cap() -> None:
    credits = [
        make_credit("N", points=900, completed_at=november(1)),
        make_credit("N2", points=900, completed_at=november(2)),
        make_credit("D", points=900, completed_at=datetime(2026, 12, 2, tzinfo=CST)),
    ]
    months = monthly_points(credits)
    assert [m.credited for m in months.values()] == [1000, 900]
    assert quarter_points(credits)["2026-Q4"].credited == 1900


def test_remaining_this_month_uses_the_china_time_month_of_now() -> None:
    credits = [make_credit("N", points=600, completed_at=november(1))]
    last_minute_of_november = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)
    first_minute_of_december = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert remaining_this_month(credits, last_minute_of_november) == 400
    assert remaining_this_month(credits, first_minute_of_december) == MONTHLY_CAP


# --- voids, late events and duplicates ---------------------------------------------------------


def test_a_case_voided_after_completion_loses_its_credit() -> None:
    kept = make_credit("KEPT", points_class=2)
    voided = make_credit("WRONG", points_class=3, voided=True)
    assert [a.case_id for a in award_cases([kept, voided])] == ["KEPT"]
    month = monthly_points([kept, voided])["2026-11"]
    assert (month.raw, month.credited, month.case_count) == (2, 2, 1)


def test_a_voided_case_frees_room_under_the_cap_for_later_cases() -> None:
    early = make_credit("EARLY", points=5, completed_at=november(1), voided=True)
    late = make_credit("LATE", points=5, completed_at=november(2))
    assert award_cases([early, late], cap=5) == [CaseAward("LATE", "2026-11", 5, 5)]


def test_a_late_event_is_credited_to_its_completion_month_not_its_arrival_month() -> None:
    december = [make_credit("D", points=10, completed_at=datetime(2026, 12, 3, tzinfo=CST))]
    late_october = make_credit("LATE", points=3, completed_at=datetime(2026, 10, 31, tzinfo=CST))
    now = datetime(2026, 12, 5, tzinfo=CST)
    months = monthly_points([*december, late_october])
    assert months["2026-10"].credited == 3
    assert remaining_this_month([*december, late_october], now) == remaining_this_month(december, now)


def test_the_same_case_passed_twice_counts_once() -> None:
    credit = make_credit("C1", points_class=4)
    assert monthly_points([credit, credit])["2026-11"].raw == 4


def test_the_same_case_with_conflicting_credits_is_refused() -> None:
    with pytest.raises(ValueError):
        award_cases([make_credit("C1", points_class=4), make_credit("C1", points_class=2)])


def test_no_cases_means_no_months_and_a_full_allowance() -> None:
    assert monthly_points([]) == {}
    assert quarter_points([]) == {}
    assert remaining_this_month([], november(0)) == MONTHLY_CAP


# --- properties -------------------------------------------------------------------------------

ZONES = st.sampled_from([UTC, CST, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))])
MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 3, 1), timezones=ZONES).map(
    lambda dt: dt.replace(second=0, microsecond=0)
)
CREDIT = st.builds(
    CaseCredit,
    case_id=st.integers(0, 10_000).map(lambda n: f"C{n:05d}"),
    points_class=st.integers(1, 5),
    points=st.integers(0, 400),
    completed_at=st.one_of(MOMENTS, st.sampled_from([november(0), november(744)])),
    voided=st.booleans(),
)
CREDITS = st.lists(CREDIT, max_size=60, unique_by=lambda credit: credit.case_id)
CAPS = st.one_of(st.integers(0, 40), st.just(MONTHLY_CAP))
PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(credits=CREDITS, cap=CAPS)
def test_each_month_credits_min_of_raw_and_cap(credits: list[CaseCredit], cap: int) -> None:
    for month in monthly_points(credits, cap).values():
        assert month.credited <= cap
        assert month.credited == min(month.raw, cap)
        assert month.capped == (month.raw > cap)
        assert sum(month.by_class.values()) == month.raw


@PROPERTY
@given(credits=CREDITS, cap=CAPS, data=st.data())
def test_results_do_not_depend_on_input_order(credits: list[CaseCredit], cap: int, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(credits))
    assert award_cases(shuffled, cap) == award_cases(credits, cap)
    assert monthly_points(shuffled, cap) == monthly_points(credits, cap)
    assert quarter_points(shuffled, cap) == quarter_points(credits, cap)


@PROPERTY
@given(credits=CREDITS, cap=CAPS)
def test_voided_cases_add_nothing(credits: list[CaseCredit], cap: int) -> None:
    live = [credit for credit in credits if not credit.voided]
    assert monthly_points(credits, cap) == monthly_points(live, cap)
    assert award_cases(credits, cap) == award_cases(live, cap)


@PROPERTY
@given(credits=CREDITS, cap=CAPS)
def test_a_quarter_is_the_sum_of_its_months(credits: list[CaseCredit], cap: int) -> None:
    months = monthly_points(credits, cap)
    quarters = quarter_points(credits, cap)
    assert sum(q.credited for q in quarters.values()) == sum(m.credited for m in months.values())
    for quarter in quarters.values():
        assert 1 <= len(quarter.months) <= 3
        assert all(quarter_of(m.month) == quarter.quarter for m in quarter.months)
        assert quarter.credited == sum(m.credited for m in quarter.months)
        assert quarter.credited <= 3 * cap


@PROPERTY
@given(credits=CREDITS, cap=CAPS)
def test_awards_add_up_to_the_months_and_earlier_cases_come_first(credits: list[CaseCredit], cap: int) -> None:
    awards = award_cases(credits, cap)
    months = monthly_points(credits, cap)
    for month in months.values():
        in_month = [a for a in awards if a.month == month.month]
        assert sum(a.credited for a in in_month) == month.credited
        assert all(0 <= a.credited <= a.points for a in in_month)
        cut = [a.credited < a.points for a in in_month if a.points > 0]
        assert cut == sorted(cut), "once the cap cuts a case, every later case is cut too"
