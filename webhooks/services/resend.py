"""Staff actions on deliveries: resend one, send a test event."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import Event
from webhooks.catalog import TEST_EVENT
from webhooks.models import Delivery, Subscription
from webhooks.services.outbox import (
    RETRY_WINDOW,
    deliveries_enqueue_on_commit,
    payload_build,
)


@transaction.atomic(durable=True)
def delivery_resend(*, delivery_id: int) -> Delivery:
    """Sends the same event again (same id and body: the receiver may dedupe it),
    now and retried for another full window, whatever its state was."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    if not Subscription.objects.filter(pk=delivery.subscription_id, active=True):
        raise ValidationError(
            _("This webhook is disabled: enable it before resending."),
            code="disabled",
        )
    now = timezone.now()
    delivery.state = Delivery.State.PENDING
    delivery.due_at = now
    delivery.give_up_at = now + RETRY_WINDOW
    delivery.delivered_at = None
    delivery.save(update_fields=["state", "due_at", "give_up_at", "delivered_at"])
    deliveries_enqueue_on_commit()
    return delivery


@transaction.atomic(durable=True)
def test_event_send(*, subscription_id: int, user) -> Delivery:
    """A ``webhook.test`` event to this subscription only (a new event each time)."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if not subscription.active:
        raise ValidationError(
            _("This webhook is disabled: enable it before sending a test event."),
            code="disabled",
        )
    event = Event(
        TEST_EVENT,
        key=uuid.uuid4().hex,
        data={
            "message": "Test event sent from Clientela.",
            "sent_by": user.email,
        },
    )
    now = timezone.now()
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_id=event.event_id,
        event_type=event.type,
        payload=payload_build(event),
        due_at=now,
        give_up_at=now + RETRY_WINDOW,
    )
    deliveries_enqueue_on_commit()
    return delivery
