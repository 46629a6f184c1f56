"""Reads with a meaning for the ledger."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

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
