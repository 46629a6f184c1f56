"""When a schedule sends, and which days its report covers.

An occurrence is a local day that matches the frequency, at ``time_of_day`` in
``TIME_ZONE``:

- daily: every day;
- weekly: the chosen weekday;
- monthly, first weekday: the first Monday-to-Friday day of the month;
- monthly, last weekday: the last Monday-to-Friday day of the month.

A time that does not exist on the day the clocks go forward (02:30 in
Europe/Rome) is sent an hour later, at the same instant as 03:30; a time that
happens twice when they go back is sent the first time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

DAILY = "daily"
WEEKLY = "weekly"
MONTHLY_FIRST = "monthly_first"
MONTHLY_LAST = "monthly_last"
# Every frequency has an occurrence within this many days.
_SEARCH_DAYS = 40


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _month_first(day: date) -> date:
    return day.replace(day=1)


def _month_next(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _first_weekday(day: date) -> date:
    first = _month_first(day)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    return first


def _last_weekday(day: date) -> date:
    last = _month_next(day) - timedelta(days=1)
    while last.weekday() >= 5:
        last -= timedelta(days=1)
    return last


def occurs_on(day: date, *, frequency: str, weekday: int) -> bool:
    """Whether the schedule sends on the local ``day``."""
    if frequency == DAILY:
        return True
    if frequency == WEEKLY:
        return day.weekday() == weekday
    if frequency == MONTHLY_FIRST:
        return day == _first_weekday(day)
    if frequency == MONTHLY_LAST:
        return day == _last_weekday(day)
    raise ValueError(frequency)


def _at(day: date, time_of_day: time) -> datetime:
    """``time_of_day`` on the local ``day``, as an instant in UTC."""
    local = datetime.combine(day, time_of_day.replace(tzinfo=None), tzinfo=_zone())
    # Through UTC and back: a time skipped by the clocks becomes a real instant.
    return local.astimezone(UTC)


def schedule_next_due(
    *, frequency: str, weekday: int, time_of_day: time, after: datetime
) -> datetime:
    """The first send strictly after ``after`` (an aware instant), in UTC."""
    day = after.astimezone(_zone()).date()
    for _offset in range(_SEARCH_DAYS):
        if occurs_on(day, frequency=frequency, weekday=weekday):
            moment = _at(day, time_of_day)
            if moment > after:
                return moment
        day += timedelta(days=1)
    raise AssertionError("no occurrence found")  # pragma: no cover


def schedule_occurrence_last(
    *, frequency: str, weekday: int, time_of_day: time, at: datetime
) -> datetime:
    """The last send at or before ``at``, in UTC (the one a late run sends)."""
    day = at.astimezone(_zone()).date()
    for _offset in range(_SEARCH_DAYS):
        if occurs_on(day, frequency=frequency, weekday=weekday):
            moment = _at(day, time_of_day)
            if moment <= at:
                return moment
        day -= timedelta(days=1)
    raise AssertionError("no occurrence found")  # pragma: no cover


def occurrence_day(moment: datetime) -> date:
    """The local day of an occurrence: its period's key."""
    return moment.astimezone(_zone()).date()


def schedule_period(*, frequency: str, day: date) -> tuple[date, date]:
    """The ``[from, to)`` days a send on the local ``day`` reports on, when the
    saved report uses a relative preset:

    - daily: the day before;
    - weekly: the seven days before (for a Monday send, last Monday to Sunday);
    - monthly, first weekday: the previous calendar month;
    - monthly, last weekday: the calendar month of the send, as it stands (the
      days to come are empty).
    """
    if frequency == DAILY:
        return day - timedelta(days=1), day
    if frequency == WEEKLY:
        return day - timedelta(days=7), day
    if frequency == MONTHLY_FIRST:
        first = _month_first(day)
        return _month_first(first - timedelta(days=1)), first
    if frequency == MONTHLY_LAST:
        return _month_first(day), _month_next(day)
    raise ValueError(frequency)
