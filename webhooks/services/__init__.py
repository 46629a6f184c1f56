"""Webhooks' services: subscriptions, the outbox, sending and staff actions."""

from webhooks.services.outbox import RETRY_WINDOW, payload_build
from webhooks.services.resend import delivery_resend, test_event_send
from webhooks.services.sending import (
    SIGNATURE_HEADER,
    RunReport,
    deliveries_send_due,
    delivery_attempt_record,
    retry_delay,
    signature_header,
    webhooks_run,
)
from webhooks.services.subscriptions import (
    ROTATION_OVERLAP,
    CreatedSubscription,
    RotatedSecret,
    active_event_types,
    subscription_create,
    subscription_disable,
    subscription_enable,
    subscription_secret_rotate,
    subscription_update,
)

__all__ = [
    "RETRY_WINDOW",
    "ROTATION_OVERLAP",
    "SIGNATURE_HEADER",
    "CreatedSubscription",
    "RotatedSecret",
    "RunReport",
    "active_event_types",
    "deliveries_send_due",
    "delivery_attempt_record",
    "delivery_resend",
    "payload_build",
    "retry_delay",
    "signature_header",
    "subscription_create",
    "subscription_disable",
    "subscription_enable",
    "subscription_secret_rotate",
    "subscription_update",
    "test_event_send",
    "webhooks_run",
]
