"""Renewal date arithmetic: months and years keep the anchor day, never drifting."""

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expirations.services.renewal import add_period

MONTHS, YEARS, DAYS, WEEKS = "months", "years", "days", "weeks"


def month_shift(start: date, months: int) -> tuple[int, int]:
    index = start.year * 12 + start.month - 1 + months
    return index // 12, index % 12 + 1


def test_add_period_keeps_the_31st_through_february():
    jan_31 = date(2025, 1, 31)
    feb = add_period(jan_31, 1, MONTHS, anchor_day=31)
    mar = add_period(feb, 1, MONTHS, anchor_day=31)
    apr = add_period(mar, 1, MONTHS, anchor_day=31)
    assert (feb, mar, apr) == (date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30))


def test_add_period_february_29_only_in_leap_years():
    assert add_period(date(2024, 1, 31), 1, MONTHS) == date(2024, 2, 29)
    leap_day = date(2024, 2, 29)
    next_year = add_period(leap_day, 1, YEARS, anchor_day=29)
    assert next_year == date(2025, 2, 28)
    year_after = add_period(next_year, 1, YEARS, anchor_day=29)
    assert year_after == date(2026, 2, 28)
    assert add_period(date(2027, 2, 28), 1, YEARS, anchor_day=29) == date(2028, 2, 29)
    assert add_period(leap_day, 4, YEARS) == date(2028, 2, 29)


def test_add_period_without_anchor_uses_the_start_day():
    assert add_period(date(2025, 3, 15), 2, MONTHS) == date(2025, 5, 15)
    assert add_period(date(2025, 12, 31), 2, MONTHS) == date(2026, 2, 28)
    assert add_period(date(2025, 11, 30), 14, MONTHS) == date(2027, 1, 30)


def test_add_period_days_and_weeks_are_plain_counts():
    assert add_period(date(2025, 1, 31), 30, DAYS) == date(2025, 3, 2)
    assert add_period(date(2025, 12, 29), 2, WEEKS) == date(2026, 1, 12)
    assert add_period(date(2025, 1, 31), 0, MONTHS) == date(2025, 1, 31)


@pytest.mark.parametrize(
    ("count", "unit", "anchor"),
    [(-1, MONTHS, None), (1, "fortnights", None), (1, MONTHS, 32), (1, MONTHS, -1)],
)
def test_add_period_refuses_nonsense(count, unit, anchor):
    with pytest.raises(ValueError):
        add_period(date(2025, 1, 1), count, unit, anchor_day=anchor)


@given(
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31)),
    renewals=st.integers(min_value=1, max_value=60),
)
def test_add_period_monthly_renewals_land_on_the_anchor_day(start, renewals):
    """Renewing N times by one month from any start day lands on day
    min(anchor, days in month) of start month + N: no drift, whatever the path."""
    anchor = start.day
    expiry = start
    for _ in range(renewals):
        expiry = add_period(expiry, 1, MONTHS, anchor_day=anchor)
    year, month = month_shift(start, renewals)
    assert expiry == date(year, month, min(anchor, calendar.monthrange(year, month)[1]))
    assert expiry == add_period(start, renewals, MONTHS, anchor_day=anchor)


@given(
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31)),
    renewals=st.integers(min_value=1, max_value=30),
)
def test_add_period_yearly_renewals_keep_the_day(start, renewals):
    anchor = start.day
    expiry = start
    for _ in range(renewals):
        expiry = add_period(expiry, 1, YEARS, anchor_day=anchor)
    year = start.year + renewals
    assert expiry.month == start.month
    assert expiry.day == min(anchor, calendar.monthrange(year, start.month)[1])
    assert expiry.year == year
    if expiry.month == 2 and expiry.day == 29:
        assert calendar.isleap(year)


@given(
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31)),
    count=st.integers(min_value=0, max_value=400),
)
def test_add_period_days_is_timedelta(start, count):
    assert add_period(start, count, DAYS) == start + timedelta(days=count)
    assert add_period(start, count, WEEKS) == start + timedelta(days=7 * count)
