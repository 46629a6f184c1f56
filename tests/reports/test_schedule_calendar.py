"""When a report schedule sends next, and what period it covers, in
Europe/Rome: daily, weekly, the first and last weekday of a month across month
ends, and the days the clocks change."""

from datetime import UTC, date, time

import pytest

from reports.schedules import (
    schedule_next_due,
    schedule_occurrence_last,
    schedule_period,
)
from tests.reports.support import rome

pytestmark = pytest.mark.both_dbs


def next_due(frequency, after, *, weekday=0, at=time(8, 0)):
    return schedule_next_due(
        frequency=frequency, weekday=weekday, time_of_day=at, after=after
    )


def test_daily_next_due_is_today_before_the_time_and_tomorrow_after_it():
    assert next_due("daily", rome("2026-12-04 07:59")) == rome("2026-12-04 08:00")
    assert next_due("daily", rome("2026-12-04 08:00")) == rome("2026-12-05 08:00")
    assert next_due("daily", rome("2026-12-31 09:00")) == rome("2027-01-01 08:00")


def test_weekly_next_due_is_the_chosen_weekday():
    # 2026-12-04 is a Friday; Wednesday = 2.
    assert next_due("weekly", rome("2026-12-04 10:00"), weekday=2) == rome(
        "2026-12-09 08:00"
    )
    assert next_due("weekly", rome("2026-12-09 07:00"), weekday=2) == rome(
        "2026-12-09 08:00"
    )
    assert next_due("weekly", rome("2026-12-09 08:00"), weekday=2) == rome(
        "2026-12-16 08:00"
    )


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # 2026-11-01 is a Sunday: the first weekday is Monday the 2nd.
        ("2026-10-15 10:00", "2026-11-02 08:00"),
        # 2026-08-01 is a Saturday: Monday the 3rd.
        ("2026-07-20 10:00", "2026-08-03 08:00"),
        # Sent already this month: the next month's (2026-12-01, a Tuesday).
        ("2026-11-02 08:00", "2026-12-01 08:00"),
        # Across the year end: 2027-01-01 is a Friday.
        ("2026-12-15 10:00", "2027-01-01 08:00"),
    ],
)
def test_monthly_first_weekday_skips_the_weekend(after, expected):
    assert next_due("monthly_first", rome(after)) == rome(expected)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # 2026-05-31 is a Sunday: Friday the 29th.
        ("2026-05-10 10:00", "2026-05-29 08:00"),
        # February 2026 ends on a Saturday: Friday the 27th.
        ("2026-02-01 10:00", "2026-02-27 08:00"),
        # After the last weekday: next month's (2026-06-30, a Tuesday).
        ("2026-05-29 08:00", "2026-06-30 08:00"),
        ("2026-05-30 10:00", "2026-06-30 08:00"),
        # Across the year end: 2026-12-31 is a Thursday.
        ("2026-12-05 10:00", "2026-12-31 08:00"),
    ],
)
def test_monthly_last_weekday_skips_the_weekend(after, expected):
    assert next_due("monthly_last", rome(after)) == rome(expected)


def test_the_time_stays_local_across_the_clock_changes():
    # Clocks go forward on 2026-03-29 and back on 2026-10-25 in Europe/Rome.
    saturday = next_due("daily", rome("2026-03-28 07:00"))
    sunday = next_due("daily", saturday)
    assert (saturday, sunday) == (rome("2026-03-28 08:00"), rome("2026-03-29 08:00"))
    assert saturday.astimezone(UTC).hour == 7  # 08:00 CET
    assert sunday.astimezone(UTC).hour == 6  # 08:00 CEST
    autumn_saturday = next_due("daily", rome("2026-10-24 07:00"))
    autumn_sunday = next_due("daily", autumn_saturday)
    assert autumn_saturday.astimezone(UTC).hour == 6  # 08:00 CEST
    assert autumn_sunday == rome("2026-10-25 08:00")
    assert autumn_sunday.astimezone(UTC).hour == 7  # 08:00 CET
    # A weekly and a monthly schedule keep their local time too.
    assert next_due("weekly", rome("2026-03-25 10:00"), weekday=0) == rome(
        "2026-03-30 08:00"
    )
    assert next_due("monthly_last", rome("2026-10-01 10:00")) == rome(
        "2026-10-30 08:00"
    )


def test_a_time_the_clocks_skip_is_sent_an_hour_later():
    due = next_due("daily", rome("2026-03-29 00:00"), at=time(2, 30))
    assert due.astimezone(UTC).isoformat() == "2026-03-29T01:30:00+00:00"  # 03:30


def test_a_time_the_clocks_repeat_is_sent_the_first_time():
    due = next_due("daily", rome("2026-10-25 00:00"), at=time(2, 30))
    assert due.astimezone(UTC).isoformat() == "2026-10-25T00:30:00+00:00"  # CEST
    # and not again an hour later
    assert next_due("daily", due, at=time(2, 30)) == rome("2026-10-26 02:30")


def test_the_last_occurrence_is_the_one_a_late_run_sends():
    last = schedule_occurrence_last(
        frequency="monthly_first",
        weekday=0,
        time_of_day=time(8, 0),
        at=rome("2026-11-20 10:00"),
    )
    assert last == rome("2026-11-02 08:00")
    last = schedule_occurrence_last(
        frequency="daily",
        weekday=0,
        time_of_day=time(8, 0),
        at=rome("2026-11-20 07:00"),
    )
    assert last == rome("2026-11-19 08:00")


@pytest.mark.parametrize(
    ("frequency", "day", "expected"),
    [
        ("daily", date(2026, 3, 1), (date(2026, 2, 28), date(2026, 3, 1))),
        ("weekly", date(2026, 12, 7), (date(2026, 11, 30), date(2026, 12, 7))),
        ("monthly_first", date(2026, 3, 2), (date(2026, 2, 1), date(2026, 3, 1))),
        ("monthly_first", date(2027, 1, 1), (date(2026, 12, 1), date(2027, 1, 1))),
        ("monthly_last", date(2026, 2, 27), (date(2026, 2, 1), date(2026, 3, 1))),
        ("monthly_last", date(2026, 12, 31), (date(2026, 12, 1), date(2027, 1, 1))),
    ],
)
def test_the_period_is_the_one_just_ended(frequency, day, expected):
    assert schedule_period(frequency=frequency, day=day) == expected
