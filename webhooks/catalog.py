"""The events a webhook may subscribe to, by the name their app publishes them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Sent by "Send test event" only, to one subscription.
TEST_EVENT = "webhook.test"

EVENTS = {
    "customer.created": _("A customer was created"),
    "entry.posted": _("A balance entry was posted"),
    "withdrawal.requested": _("A withdrawal was requested"),
    "withdrawal.paid": _("A withdrawal was paid"),
    "order.paid": _("An order was paid"),
    "order.refunded": _("An order was refunded"),
    "expiration.expired": _("An expiration expired"),
    "referral.signed_up": _("A referred customer signed up"),
    "referral.commission_available": _("A referral commission became available"),
}


def event_choices() -> list[tuple[str, object]]:
    return [(name, f"{name} — {label}") for name, label in EVENTS.items()]
