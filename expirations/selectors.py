"""Reads with business meaning: expirations by state, a customer's totals.

The state of an expiration follows from its dates (``Expiration.state_on``); here the
same rule is written as a query, for filters and totals over many rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from expirations.models import Expiration, ExpirationEvent

ZERO = Decimal("0.00")


def state_condition(state: str, *, today: date, soon_days: int) -> Q:
    """The rows in ``state`` on ``today``, as ``Expiration.state_on`` reads them."""
    soon_until = today + timedelta(days=soon_days)
    live = Q(is_cancelled=False)
    conditions: dict[str, Q] = {
        Expiration.State.CANCELLED: Q(is_cancelled=True),
        Expiration.State.EXPIRED: live & Q(expiry_date__lt=today),
        Expiration.State.EXPIRING_SOON: live
        & Q(expiry_date__gte=today, expiry_date__lte=soon_until),
        Expiration.State.RENEWED: live
        & Q(expiry_date__gt=soon_until, renewal_count__gt=0),
        Expiration.State.ACTIVE: live & Q(expiry_date__gt=soon_until, renewal_count=0),
    }
    return conditions[state]


def ended_condition(today: date) -> Q:
    """Expired or cancelled: what the customer no longer has."""
    return Q(is_cancelled=True) | Q(expiry_date__lt=today)


def customer_expirations(customer_id: int) -> QuerySet[Expiration]:
    """A customer's expirations with what the card shows, their history prefetched."""
    return (
        Expiration.objects.filter(customer_id=customer_id)
        .select_related("product", "provenance", "bank_institute")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ExpirationEvent.objects.select_related("user"),
            )
        )
        .order_by("is_cancelled", "expiry_date", "id")
    )


def customer_expiration_totals(customer_id: int, *, today: date) -> dict:
    """Count and amount of the customer's live and ended expirations (one query)."""
    ended = ended_condition(today)
    return Expiration.objects.filter(customer_id=customer_id).aggregate(
        active_count=Count("id", filter=~ended),
        active_amount=Sum("amount", filter=~ended, default=ZERO),
        ended_count=Count("id", filter=ended),
        ended_amount=Sum("amount", filter=ended, default=ZERO),
    )


# How long an expired service stays on the customer's "My expirations" page.
ACCOUNT_EXPIRED_SHOWN_DAYS = 90


def account_expirations(
    customer_id: int, *, today: date
) -> tuple[list[Expiration], list[Expiration]]:
    """The customer's live services (soonest first) and those expired recently
    (latest first), without the cancelled ones, in one query."""
    rows = list(
        Expiration.objects.filter(
            customer_id=customer_id,
            is_cancelled=False,
            expiry_date__gte=today - timedelta(days=ACCOUNT_EXPIRED_SHOWN_DAYS),
        )
        .select_related("product")
        .order_by("expiry_date", "id")
    )
    active = [row for row in rows if row.expiry_date >= today]
    expired = [row for row in rows if row.expiry_date < today][::-1]
    return active, expired
