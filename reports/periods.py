"""Calendar buckets of a period dimension: day, week (ISO, from Monday), month,
quarter and year, as local dates in ``TIME_ZONE``.

A bucket is named by its first day. Its moments are ``[start, end)`` at local
midnight, so a day of a daylight-saving change lasts 23 or 25 hours and a posting
at 00:30 local time belongs to that day, whatever its UTC offset.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from core.reporting import GRAINS


def business_zone() -> ZoneInfo:
    """The business's time zone (``TIME_ZONE``), which every bucket follows."""
    return ZoneInfo(settings.TIME_ZONE)


def bucket_start(day: date, grain: str) -> date:
    """The first day of the bucket holding ``day``."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return date(day.year, 1, 1)
    raise ValueError(f"Unknown grain {grain!r}; one of {', '.join(GRAINS)}.")


def bucket_next(start: date, grain: str) -> date:
    """The first day of the bucket after the one starting on ``start``."""
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}.get(grain)
    if months is None:
        raise ValueError(f"Unknown grain {grain!r}; one of {', '.join(GRAINS)}.")
    month_index = start.year * 12 + start.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)


def buckets(
    first: date, end: date, grain: str, *, limit: int | None = None
) -> list[date]:
    """The starts of the buckets that overlap ``[first, end)``, in order.

    With ``limit``, stops after ``limit + 1`` buckets (enough to tell "too many"
    without building them all).
    """
    found: list[date] = []
    current = bucket_start(first, grain)
    while current < end:
        found.append(current)
        if limit is not None and len(found) > limit:
            break
        current = bucket_next(current, grain)
    return found


def local_midnight(day: date) -> datetime:
    """The aware moment ``day`` starts in ``TIME_ZONE``."""
    return datetime.combine(day, time.min, tzinfo=business_zone())


def bucket_bounds(start: date, grain: str) -> tuple[datetime, datetime]:
    """The bucket's moments, ``[start, end)``, aware in ``TIME_ZONE``."""
    return local_midnight(start), local_midnight(bucket_next(start, grain))


def bucket_label(start: date, grain: str) -> str:
    """A bucket's short name, the same in every language: 2026-03-29, 2026-W13,
    2026-03, 2026-Q1, 2026."""
    if grain == "day":
        return start.isoformat()
    if grain == "week":
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grain == "month":
        return f"{start:%Y-%m}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)
