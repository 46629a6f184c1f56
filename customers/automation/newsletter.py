"""The newsletter consent the funnels' marketing e-mails ask about, and their
unsubscribe link's change, through the hub's services
(``core.plugins.newsletter_consents``): ``automation`` never reads or writes the
subscriptions itself, so every change is on the customer's timeline."""

from __future__ import annotations

from collections.abc import Iterable

from core import plugins
from customers.models import Customer, NewsletterList, Subscription
from customers.services.history_account import customer_unsubscribe_by_link


def consents(customer: Customer, newsletter_list_id: int | None) -> bool:
    """On the list (an active subscription), or, with no list, the newsletter."""
    if newsletter_list_id is None:
        return customer.newsletter_subscribed
    return Subscription.objects.filter(
        customer_id=customer.pk,
        newsletter_list_id=newsletter_list_id,
        unsubscribed_at__isnull=True,
    ).exists()


def consents_many(
    customer_ids: Iterable[int], newsletter_list_id: int | None
) -> set[int]:
    """``consents`` for many customers in one query: the ids of those who accept."""
    ids = set(customer_ids)
    if not ids:
        return set()
    if newsletter_list_id is None:
        agreeing = Customer.objects.filter(pk__in=ids, newsletter_subscribed=True)
        return set(agreeing.values_list("pk", flat=True))
    subscribed = Subscription.objects.filter(
        customer_id__in=ids,
        newsletter_list_id=newsletter_list_id,
        unsubscribed_at__isnull=True,
    )
    return set(subscribed.values_list("customer_id", flat=True))


def unsubscribe(customer: Customer, newsletter_list_id: int | None) -> bool:
    return customer_unsubscribe_by_link(
        customer=customer, newsletter_list_id=newsletter_list_id
    )


def list_choices() -> list[tuple[int, str]]:
    return list(NewsletterList.objects.order_by("name").values_list("pk", "name"))


def list_name(newsletter_list_id: int) -> str:
    return (
        NewsletterList.objects.filter(pk=newsletter_list_id)
        .values_list("name", flat=True)
        .first()
        or ""
    )


def register() -> None:
    plugins.newsletter_consents.register(
        plugins.NewsletterConsent(
            "newsletter",
            consents=consents,
            consents_many=consents_many,
            unsubscribe=unsubscribe,
            list_choices=list_choices,
            list_name=list_name,
        )
    )
