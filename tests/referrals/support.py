"""Helpers for the referral tests: a referrer with a code, the link's cookie,
orders placed and paid through the services."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from referrals.models import Referral, ReferralSettings
from referrals.services import code_for
from referrals.views.link import COOKIE_NAME
from selling.services import cart_add, order_confirm_payment, order_place

D = Decimal


def rules(**fields) -> ReferralSettings:
    row = ReferralSettings.load()
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def visit(client, referrer):
    """The referrer's link, followed by ``client``; returns the response."""
    return client.get(f"/r/{code_for(referrer).code}/")


def refer(referred, referrer) -> Referral:
    """A referral recorded as the link would (through the service)."""
    from referrals.services import referral_attach

    return referral_attach(
        referred=referred, code=code_for(referrer).code, moment="signup"
    )


def place(customer, *items, discount=None):
    """Places an order of ``items`` [(product, quantity)] by bank transfer."""
    from selling.services import cart_discount_set

    for product, quantity in items:
        cart_add(customer=customer, product_id=product.pk, quantity=quantity)
    if discount is not None:
        cart_discount_set(customer=customer, amount=D(discount))
    return order_place(
        customer=customer,
        payment_method="bank_transfer",
        idempotency_key=uuid.uuid4().hex,
    )


def pay(order):
    return order_confirm_payment(order_id=order.pk, reference="TRN")


def run(days_after: int = 0) -> str:
    """``manage.py run_referrals --today`` ``days_after`` days from now."""
    from io import StringIO

    out = StringIO()
    day = timezone.localdate() + timedelta(days=days_after)
    call_command("run_referrals", "--today", day.isoformat(), stdout=out)
    return out.getvalue()


__all__ = ["COOKIE_NAME", "D", "pay", "place", "refer", "rules", "run", "visit"]
