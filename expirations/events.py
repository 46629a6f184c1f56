"""The expirations' events for ``core.events`` (webhooks): ``expiration.expired``
when the daily job finds a service past its date.

Built here, by the app that owns the rows (amounts as strings, dates in ISO 8601),
for the whole batch of the job at once; nothing is built when nobody listens
(``events_wanted`` first).
"""

from __future__ import annotations

from collections.abc import Iterable

from core.events import Event, events_publish, events_wanted
from customers.events import customer_event_summary
from expirations.models import Expiration

EXPIRATION_EXPIRED = "expiration.expired"


def expiration_event_data(expiration: Expiration) -> dict:
    """Needs the expiration with its product and customer loaded (the job's
    ``_recipients`` does)."""
    product = expiration.product if expiration.product_id else None
    return {
        "expiration_id": expiration.pk,
        "customer_id": expiration.customer_id,
        "customer": customer_event_summary(expiration.customer),
        "product_id": expiration.product_id,
        "product_name": product.name if product is not None else None,
        # What expires, in the shop's language: the product's name or the free text.
        "item": product.name if product is not None else expiration.item,
        "quantity": expiration.quantity,
        "amount": str(expiration.amount),
        "expiry_date": expiration.expiry_date.isoformat(),
    }


def expirations_expired_publish(expirations: Iterable[Expiration]) -> None:
    """One batch of ``expiration.expired``, keyed by the expiry date (a service
    renewed and expired again is a new occurrence)."""
    if not events_wanted(EXPIRATION_EXPIRED):
        return
    events_publish(
        [
            Event(
                EXPIRATION_EXPIRED,
                key=f"expiration:{expiration.pk}:{expiration.expiry_date}",
                data=expiration_event_data(expiration),
            )
            for expiration in expirations
        ]
    )
