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

Each call is also published to ``core.events`` (type ``trigger``, key ``entry_key``,
data the payload with ``customer_id``) when a sink wants it: the webhooks.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from core.events import Event, events_publish, events_wanted

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
    if events_wanted(trigger):
        events_publish(
            [
                Event(
                    trigger,
                    key=entry_key,
                    data={"customer_id": customer_id, **(payload or {})},
                )
            ]
        )
