"""The one way an app tells the automation module that something happened.

An app fires a trigger by name, never importing ``automation``::

    automation_event_send("order.paid", customer_id=order.customer_id,
                          entry_key=f"order:{order.pk}", payload={"order_id": order.pk,
                          "product_ids": [...]})

Receivers (the funnel engine) run inside the sender's transaction, so an enrolment
commits or rolls back with the change that caused it. ``entry_key`` names the
occurrence (the order, the expiration and its expiry date): the same occurrence sent
twice enrols a customer once. The same events end waits at a funnel's goal. With
the automation module switched off, nothing listens and the call costs nothing.

The funnels' payloads carry ids only. Listeners outside the funnels (webhooks) get
the same occurrences from ``core.events``, published by the app that owns the data
with the object's fields (``customers.events``, ``selling.events`` ...): this call
does not publish them, so each event is delivered once.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

automation_event = Signal()


def automation_event_send(
    trigger: str,
    *,
    customer_id: int,
    entry_key: str,
    payload: dict[str, Any] | None = None,
) -> None:
    """Tell listeners that ``trigger`` happened to the customer (see the module doc)."""
    automation_event.send(
        sender=None,
        trigger=trigger,
        customer_id=customer_id,
        entry_key=entry_key,
        payload=payload or {},
    )
