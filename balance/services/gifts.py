"""Periodic gifts: each audience customer gets each period's gift exactly once.

``gift_run_due(today=...)`` is what the beat task and ``manage.py run_gifts`` call, as
often as they like. For every active gift it finds the periods due up to ``today``
(from the gift's start date on) that are not completed yet, which catches up after
beat was down, and credits the audience in batches, each batch its own transaction.
Every gift entry has the key ``gift:<gift id>:<period>``, so a second run, a double
beat or a run after a crash halfway posts only what is missing. Each entry posted
queues its "credit received" e-mail in the same transaction (keyed by the entry), so
a customer is told once per gift, never for a gift a rolled-back batch did not post.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone

from balance.models import Entry, Gift, GiftRun, SourceType
from balance.selectors import gift_audience
from balance.services.ledger import Author, Posting, SourceRef, _postings_apply
from balance.services.notifications import credits_received_notify

GIFT_BATCH_SIZE = 500
GIFT_AUTHOR_LABEL = "Periodic gift"


@dataclass(frozen=True)
class GiftPeriod:
    """A period of a gift: its key and the days whose due customers it pays.

    For calendar schedules ``first_day == last_day`` is the due date; a birthday
    period is a year, paid to the customers whose birthday falls in it up to today.
    """

    key: str
    first_day: date
    last_day: date


def _day_in_month(year: int, month: int, day: int) -> date:
    """``day`` of the month, or its last day when the month is shorter (31 → 30)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _months(start: date, end: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def gift_periods(gift: Gift, today: date) -> list[GiftPeriod]:
    """The gift's periods due from its start date up to ``today``, oldest first."""
    start = gift.start_date
    if start > today:
        return []
    periods: list[GiftPeriod] = []
    if gift.schedule == Gift.Schedule.MONTHLY:
        for year, month in _months(start, today):
            due = _day_in_month(year, month, cast(int, gift.day_of_month))
            periods.append(GiftPeriod(f"{year}-{month:02d}", due, due))
    elif gift.schedule == Gift.Schedule.WEEKLY:
        weekday = cast(int, gift.weekday)  # set on a weekly gift
        due = start + timedelta(days=(weekday - start.weekday()) % 7)
        while due <= today:
            iso_year, iso_week, _weekday = due.isocalendar()
            periods.append(GiftPeriod(f"{iso_year}-W{iso_week:02d}", due, due))
            due += timedelta(days=7)
    elif gift.schedule == Gift.Schedule.YEARLY:
        for year in range(start.year, today.year + 1):
            due = _day_in_month(
                year, cast(int, gift.month), cast(int, gift.day_of_month)
            )
            periods.append(GiftPeriod(f"{year}", due, due))
    elif gift.schedule == Gift.Schedule.BIRTHDAY:
        for year in range(start.year, today.year + 1):
            periods.append(
                GiftPeriod(
                    f"birthday-{year}",
                    max(start, date(year, 1, 1)),
                    min(today, date(year, 12, 31)),
                )
            )
    return [p for p in periods if start <= p.first_day and p.last_day <= today]


def _birthdays_between(first_day: date, last_day: date) -> set[int]:
    """month * 100 + day of the birthdays celebrated on those days (same year).

    Someone born on 29 February celebrates on 28 February in other years.
    """
    days = set()
    day = first_day
    while day <= last_day:
        days.add(day.month * 100 + day.day)
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            days.add(229)
        day += timedelta(days=1)
    return days


def _period_audience(gift: Gift, period: GiftPeriod, since: date):
    audience = gift_audience(gift)
    if gift.schedule == Gift.Schedule.BIRTHDAY:
        audience = audience.annotate(
            birthday=ExtractMonth("birth_date") * 100 + ExtractDay("birth_date")
        ).filter(
            birth_date__isnull=False,
            birthday__in=_birthdays_between(since, period.last_day),
        )
    return audience


@transaction.atomic(durable=True)
def _gift_batch_post(
    gift: Gift, run: GiftRun, period: GiftPeriod, customer_ids: list[int]
) -> None:
    """One batch in its own transaction: customers already gifted are skipped, the
    others credited and told by e-mail."""
    author = Author.system(GIFT_AUTHOR_LABEL)
    source = SourceRef(SourceType.GIFT_RUN, run.pk)
    results = _postings_apply(
        [
            Posting(
                customer_id=customer_id,
                amount=gift.amount,
                kind=Entry.Kind.GIFT,
                author=author,
                idempotency_key=f"gift:{gift.pk}:{period.key}",
                note=gift.description,
                source=source,
            )
            for customer_id in customer_ids
        ]
    )
    credits_received_notify(entry for entry, created in results if created)


def gift_period_run(gift: Gift, period: GiftPeriod) -> GiftRun:
    """Credits the period's audience (what is missing of it) and logs the run."""
    run, _created = GiftRun.objects.get_or_create(gift=gift, period=period.key)
    if run.completed_at is not None:
        return run
    since = period.first_day
    if gift.schedule == Gift.Schedule.BIRTHDAY and run.covered_until is not None:
        # The year's birthdays up to covered_until were paid by an earlier run.
        since = max(since, run.covered_until + timedelta(days=1))
        if since > period.last_day:
            return run
    audience = _period_audience(gift, period, since)
    last_pk = 0
    while ids := list(
        audience.filter(pk__gt=last_pk)
        .order_by("pk")
        .values_list("pk", flat=True)[:GIFT_BATCH_SIZE]
    ):
        _gift_batch_post(gift, run, period, ids)
        last_pk = ids[-1]
    totals = Entry.objects.filter(
        source_type=SourceType.GIFT_RUN, source_id=str(run.pk), kind=Entry.Kind.GIFT
    ).aggregate(count=Count("id"), total=Sum("amount"))
    run.customers_count = totals["count"]
    run.total_amount = totals["total"] or 0
    run.covered_until = period.last_day
    year_over = gift.schedule != Gift.Schedule.BIRTHDAY or period.last_day == date(
        period.last_day.year, 12, 31
    )
    if year_over:
        run.completed_at = timezone.now()
    run.save(
        update_fields=[
            "customers_count",
            "total_amount",
            "covered_until",
            "completed_at",
        ]
    )
    return run


def gift_run_due(*, today: date) -> list[GiftRun]:
    """Runs every active gift's periods due up to ``today`` that are not done yet.

    Top-level: it commits batch by batch, so it must not run inside a transaction.
    Returns the runs it worked on.
    """
    runs: list[GiftRun] = []
    for gift in Gift.objects.filter(active=True, start_date__lte=today).order_by("pk"):
        done = set(
            gift.runs.filter(completed_at__isnull=False).values_list(
                "period", flat=True
            )
        )
        for period in gift_periods(gift, today):
            if period.key not in done:
                runs.append(gift_period_run(gift, period))
    return runs
