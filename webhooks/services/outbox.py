"""The outbox: the rows ``core.events`` writes, in the publisher's transaction.

One event for one subscription is one ``Delivery`` (unique by event id: an event
published twice is delivered once). A batch of events (a funnel step's credits) is
one ``INSERT`` of all its rows; with nobody subscribed, nothing is written and the
only cost is the cached lookup of ``wants``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.events import Event
from webhooks.models import Delivery, Subscription

# How long a delivery is retried before it is marked failed.
RETRY_WINDOW = timedelta(days=3)


def payload_build(event: Event) -> dict:
    """The JSON body: ``id``, ``type``, ``created`` and the owner's ``data``."""
    return {
        "id": event.event_id,
        "type": event.type,
        "created": event.created.isoformat(),
        "data": event.data,
    }


def sink_wants(event_type: str) -> bool:
    from webhooks.services.subscriptions import active_event_types

    return event_type in active_event_types()


def _send_soon() -> None:
    from webhooks.tasks import webhooks_send_due_task

    webhooks_send_due_task.delay()


def deliveries_enqueue_on_commit() -> None:
    """Asks a worker to send what is due once the transaction commits (for low
    latency; the minute's beat job sends it anyway if the task is lost). Once per
    transaction, however many events it published (a job's loop of expiries)."""
    pending = transaction.get_connection().run_on_commit
    if any(callback is _send_soon for _sids, callback, _robust in pending):
        return
    transaction.on_commit(_send_soon)


def sink_publish(events: Sequence[Event]) -> None:
    """Writes one delivery per (event, subscription wanting its type)."""
    types = {event.type for event in events}
    subscriptions = [
        subscription
        for subscription in Subscription.objects.filter(active=True).only("events")
        if types.intersection(subscription.events)
    ]
    if not subscriptions:
        return
    now = timezone.now()
    rows = [
        Delivery(
            subscription=subscription,
            event_id=event.event_id,
            event_type=event.type,
            payload=payload_build(event),
            due_at=now,
            give_up_at=now + RETRY_WINDOW,
        )
        for event in events
        for subscription in subscriptions
        if event.type in subscription.events
    ]
    if rows:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        deliveries_enqueue_on_commit()
