"""What the referral programme does when something happens elsewhere."""

from __future__ import annotations

from referrals.services.commissions import (
    commission_on_order_paid,
    commission_on_order_refunded,
)


def order_paid_received(sender, *, order, **kwargs) -> None:
    """A referred customer's paid order may earn their referrer a commission
    (inside the paying transaction; a second delivery creates nothing)."""
    commission_on_order_paid(order=order)


def order_refunded_received(sender, *, order, **kwargs) -> None:
    """A refund cancels the order's commission, or reverses it once credited."""
    commission_on_order_refunded(order=order)
