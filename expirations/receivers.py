"""What the expirations module does when something happens in the selling app."""

from __future__ import annotations

from expirations.services.renewal import order_paid_apply, order_refund_apply


def order_paid_received(sender, *, order, **kwargs) -> None:
    """A paid order renews the expirations it pays for, or creates new ones.

    Runs inside the paying transaction; a second delivery changes nothing (each
    order line acts once).
    """
    order_paid_apply(order=order)


def order_refunded_received(sender, *, order, **kwargs) -> None:
    """A refunded order takes back the renewals it paid for (each line once)."""
    order_refund_apply(order=order)
