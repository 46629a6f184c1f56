"""Helpers for the selling service tests: products, a customer with balance, a cart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from balance.models import BalanceSettings
from selling.models import Product
from selling.services import cart_add, cart_discount_set, order_place
from tests.balance.support import credit

D = Decimal


def product(price="100.00", **fields) -> Product:
    return Product.objects.create(
        name=fields.pop("name", f"Service {uuid.uuid4().hex[:6]}"),
        price=D(price),
        **fields,
    )


def checkout_with_balance_enabled(message="You have {balance}: use {balance-value}"):
    settings_row = BalanceSettings.load()
    settings_row.checkout_enabled = True
    settings_row.checkout_message = {"en": message}
    settings_row.save()
    return settings_row


def customer_with_balance(customer, amount="50.00"):
    credit(customer, amount)
    customer.refresh_from_db()
    return customer


def place(customer, *, items, discount=None, method="bank_transfer", key=None):
    """Fills the cart with ``items`` [(product, quantity)], sets the discount,
    places the order."""
    for item, quantity in items:
        cart_add(customer=customer, product_id=item.pk, quantity=quantity)
    if discount is not None:
        cart_discount_set(customer=customer, amount=D(discount))
    return order_place(
        customer=customer,
        payment_method=method,
        idempotency_key=key or uuid.uuid4().hex,
    )


@contextmanager
def signal_received(signal) -> Iterator[list[int]]:
    """The ids of the orders ``signal`` was sent for while the block ran."""
    received: list[int] = []

    def receiver(sender, order, **kwargs):
        received.append(order.pk)

    signal.connect(receiver)
    try:
        yield received
    finally:
        signal.disconnect(receiver)
