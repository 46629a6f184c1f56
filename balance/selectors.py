"""Reads with a meaning for the ledger."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from balance.models import Entry, Gift
from customers.models import Customer


def customer_available(customer: Customer) -> Decimal:
    """What the customer may spend or withdraw: the balance minus the holds."""
    return customer.balance - customer.balance_held


def customer_entries(customer_id: int) -> QuerySet[Entry]:
    """The customer's ledger, newest first, with who posted each entry."""
    return (
        Entry.objects.filter(customer_id=customer_id)
        .select_related("author_user", "reversal_of")
        .order_by("-created_at", "-id")
    )


def entries_standing() -> QuerySet[Entry]:
    """The entries that still count: a deleted entry and its reversal (the pair
    cancels out) are left out, wherever each of the two falls in time.

    ``NOT EXISTS`` rather than the LEFT JOIN of ``reversed_by__isnull``: PostgreSQL
    then walks the history index and probes each entry's reversal (0.6 ms for a page
    of a 140,000-entry ledger); with the join it misjudged the rows and sorted them
    all (145 ms).
    """
    reversed_later = Entry.objects.filter(reversal_of=OuterRef("pk"))
    return Entry.objects.filter(reversal_of__isnull=True).exclude(
        Exists(reversed_later)
    )


def customer_history(customer_id: int) -> QuerySet[Entry]:
    """What the customer sees of their ledger, newest first: ``entries_standing``."""
    return (
        entries_standing()
        .filter(customer_id=customer_id)
        .only("created_at", "amount", "note")
        .order_by("-created_at", "-id")
    )


def gift_audience(gift: Gift) -> QuerySet[Customer]:
    """The customers a gift is for, as they are now.

    A gift for a tag or a list that was deleted is for no one.
    """
    customers = Customer.objects.all()
    if gift.audience == Gift.Audience.TAG:
        if gift.tag_id is None:
            return customers.none()
        return customers.filter(tags=gift.tag_id)
    if gift.audience == Gift.Audience.NEWSLETTER_LIST:
        if gift.newsletter_list_id is None:
            return customers.none()
        return customers.filter(
            subscriptions__newsletter_list_id=gift.newsletter_list_id,
            subscriptions__unsubscribed_at__isnull=True,
        )
    if gift.audience == Gift.Audience.BALANCE_RANGE:
        if gift.balance_min is not None:
            customers = customers.filter(balance__gte=gift.balance_min)
        if gift.balance_max is not None:
            customers = customers.filter(balance__lte=gift.balance_max)
    return customers
