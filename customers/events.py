"""The customers' events for ``core.events`` (webhooks): ``customer.created``, and
the customer's summary the other apps put in their events' data.

Built here, by the app that owns the row, with the fields a receiver needs (times
in ISO 8601); nothing is built when nobody listens (``events_wanted`` first).
"""

from __future__ import annotations

from core.events import Event, events_publish, events_wanted
from customers.models import Customer

CUSTOMER_CREATED = "customer.created"


def customer_event_summary(customer: Customer) -> dict:
    """Who the event is about, as other apps' events name the customer."""
    return {
        "id": customer.pk,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
    }


def customer_event_data(customer: Customer, *, created_via: str) -> dict:
    return {
        "customer_id": customer.pk,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "language": customer.language,
        "created_at": customer.created_at.isoformat(),
        # How the customer was created ("signup", "staff", "api").
        "source": created_via,
        # Where the customer came from, as recorded on the customer (may be empty).
        "origin": customer.source,
    }


def customer_created_publish(customer: Customer, *, created_via: str) -> None:
    if not events_wanted(CUSTOMER_CREATED):
        return
    events_publish(
        [
            Event(
                CUSTOMER_CREATED,
                key=f"customer:{customer.pk}:created",
                data=customer_event_data(customer, created_via=created_via),
            )
        ]
    )
