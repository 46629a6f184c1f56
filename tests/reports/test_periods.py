"""Calendar buckets in the business's time zone, across daylight-saving changes."""

from datetime import UTC, date, timedelta

import pytest
from django.test.utils import override_settings

from reports.periods import (
    bucket_bounds,
    bucket_label,
    bucket_next,
    bucket_start,
    buckets,
)

pytestmark = pytest.mark.both_dbs


@pytest.mark.parametrize(
    ("grain", "start", "following", "label"),
    [
        ("day", date(2026, 3, 29), date(2026, 3, 30), "2026-03-29"),
        ("week", date(2026, 3, 23), date(2026, 3, 30), "2026-W13"),
        ("month", date(2026, 3, 1), date(2026, 4, 1), "2026-03"),
        ("quarter", date(2026, 1, 1), date(2026, 4, 1), "2026-Q1"),
        ("year", date(2026, 1, 1), date(2027, 1, 1), "2026"),
    ],
)
def test_periods_bucket_start_next_and_label(grain, start, following, label):
    assert bucket_start(date(2026, 3, 29), grain) == start
    assert bucket_next(start, grain) == following
    assert bucket_label(start, grain) == label


def test_periods_next_crosses_the_year():
    assert bucket_next(date(2026, 12, 1), "month") == date(2027, 1, 1)
    assert bucket_next(date(2026, 10, 1), "quarter") == date(2027, 1, 1)
    assert bucket_start(date(2026, 11, 15), "quarter") == date(2026, 10, 1)
    # ISO weeks: 2027-01-01 is a Friday of week 53 of 2026.
    assert bucket_label(bucket_start(date(2027, 1, 1), "week"), "week") == "2026-W53"


def test_periods_buckets_overlap_the_half_open_range():
    assert buckets(date(2026, 1, 15), date(2026, 3, 1), "month") == [
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert buckets(date(2026, 1, 15), date(2026, 3, 2), "month")[-1] == date(2026, 3, 1)
    assert buckets(date(2026, 1, 1), date(2026, 1, 1), "day") == []
    assert len(buckets(date(2000, 1, 1), date(2100, 1, 1), "day", limit=10)) == 11


@override_settings(TIME_ZONE="Europe/Rome")
def test_periods_dst_days_last_23_and_25_hours():
    # Same-zone subtraction in Python is wall-clock time: compare in UTC.
    spring_start, spring_end = bucket_bounds(date(2026, 3, 29), "day")
    assert spring_end.astimezone(UTC) - spring_start.astimezone(UTC) == timedelta(
        hours=23
    )
    assert spring_start.utcoffset() == timedelta(hours=1)
    assert spring_end.utcoffset() == timedelta(hours=2)
    autumn_start, autumn_end = bucket_bounds(date(2026, 10, 25), "day")
    assert autumn_end.astimezone(UTC) - autumn_start.astimezone(UTC) == timedelta(
        hours=25
    )
    month_start, month_end = bucket_bounds(date(2026, 3, 1), "month")
    assert month_end.astimezone(UTC) - month_start.astimezone(UTC) == timedelta(
        days=31, hours=-1
    )
