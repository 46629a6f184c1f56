"""Demo data of the shop: a small catalog, and orders of the demo customer.

``demo_selling_seed`` runs in ``manage.py seed_demo`` after the customers and their
ledgers (``core.plugins.demo_seeders``). It adds the products of ``DEMO_PRODUCTS``
that the catalog lacks (found by name), example bank-transfer instructions (if there
are none), lets customers pay with their balance (when the balance module is
installed and its checkout offer was never set up), and gives
each demo customer with a login the orders of ``DEMO_ORDERS``, placed through the
selling services as at a real checkout: the discount is a hold on the balance, then
a checkout entry when the order is paid, so ``verify_balances`` still passes.

An order is found by its idempotency key, so a second run adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from customers.models import Customer
from selling.discounts import balance_payment_demo_enable
from selling.models import CartLine, Order, Product, SellingSettings
from selling.payments import BankTransfer
from selling.services import (
    cart_add,
    cart_discount_set,
    cart_summary,
    order_confirm_payment,
    order_place,
)
from selling.services.catalog import product_save, selling_settings_save

Unit = Product.PeriodUnit


@dataclass(frozen=True)
class DemoProduct:
    name: str
    description: str
    price: str
    renewal_period: int | None = None
    renewal_unit: str = ""


@dataclass(frozen=True)
class DemoOrder:
    key: str  # the order's idempotency key: how a second run finds it
    lines: tuple[tuple[str, int], ...]  # product name, quantity
    # Up to this much of the balance pays for it (when the customer has some).
    balance_part: Decimal = Decimal("0.00")
    paid: bool = False


DEMO_PRODUCTS = (
    DemoProduct(
        "Annual support contract",
        "Priority e-mail and phone support on working days, for one year.",
        "480.00",
        1,
        Unit.YEARS,
    ),
    DemoProduct(
        "Website hosting",
        "Hosting for one website, with daily backups and e-mail addresses.",
        "120.00",
        1,
        Unit.YEARS,
    ),
    DemoProduct(
        "Monthly maintenance",
        "Updates, security patches and a short report, every month.",
        "49.00",
        1,
        Unit.MONTHS,
    ),
    DemoProduct(
        "SSL certificate",
        "A certificate for one domain, installed and renewed for you.",
        "39.00",
        1,
        Unit.YEARS,
    ),
    DemoProduct(
        "Domain name",
        "A .com domain name, registered in your name.",
        "15.00",
        1,
        Unit.YEARS,
    ),
    DemoProduct(
        "Logo design",
        "Three logo proposals, two rounds of changes, and the source files.",
        "350.00",
    ),
    DemoProduct(
        "Website audit",
        "Speed, accessibility and search review of your website, with a report.",
        "190.00",
    ),
)

DEMO_ORDERS = (
    DemoOrder(
        "demo:paid-with-balance",
        (("Logo design", 1), ("SSL certificate", 1)),
        balance_part=Decimal("50.00"),
        paid=True,
    ),
    DemoOrder("demo:bank-transfer", (("Website audit", 1),)),
)
DEMO_PAYMENT_REFERENCE = "Bank transfer received (demo)"
DEMO_BANK_TRANSFER_INSTRUCTIONS = (
    "Please transfer the total due to Clientela Demo Ltd, "
    "IBAN IT60 X054 2811 1010 0000 0123 456 (a demo account), "
    "with the reference {order}."
)


def demo_settings_ensure() -> bool:
    """Example bank-transfer instructions, if there are none; returns whether it
    set them."""
    texts = SellingSettings.load().localized_texts("bank_transfer_instructions")
    if any(text.strip() for text in texts.values()):
        return False
    selling_settings_save(
        bank_transfer_instructions={
            settings.LANGUAGE_CODE: DEMO_BANK_TRANSFER_INSTRUCTIONS
        }
    )
    return True


def demo_products_ensure() -> tuple[dict[str, Product], int]:
    """The demo products by name, created where missing; and how many were created.

    A product of the same name (any case) is reused as it is, even if staff changed
    its price or deactivated it.
    """
    products, created = {}, 0
    for demo in DEMO_PRODUCTS:
        product = Product.objects.filter(name__iexact=demo.name).first()
        if product is None:
            product = product_save(
                name=demo.name,
                description=demo.description,
                price=Decimal(demo.price),
                renewal_period=demo.renewal_period,
                renewal_unit=demo.renewal_unit,
            )
            created += 1
        products[demo.name] = product
    return products, created


def _demo_order_place(
    customer: Customer, demo: DemoOrder, products: dict[str, Product]
) -> Order:
    """Fills the (empty) cart, chooses the discount, places the order and, for a
    paid one, confirms the payment: one transaction, all or nothing."""
    with transaction.atomic():
        for name, quantity in demo.lines:
            cart_add(customer=customer, product_id=products[name].pk, quantity=quantity)
        if demo.balance_part:
            customer.refresh_from_db()
            offer = cart_summary(customer).offer
            if offer is not None:
                # At most half of what is available: the demo customer keeps some
                # balance to try the discount at checkout.
                half = (offer.available / 2).quantize(Decimal("0.01"), ROUND_DOWN)
                amount = min(offer.largest_discount, demo.balance_part, half)
                if amount > 0:
                    cart_discount_set(customer=customer, amount=amount)
        order = order_place(
            customer=customer,
            payment_method=BankTransfer.key,
            idempotency_key=demo.key,
            user=customer.user,
        )
        if demo.paid:
            order = order_confirm_payment(
                order_id=order.pk, reference=DEMO_PAYMENT_REFERENCE
            )
    return order


def demo_orders_seed(
    customer: Customer, products: dict[str, Product], log: Callable[[str], None]
) -> int:
    """The demo orders the customer lacks; returns how many were placed."""
    placed = 0
    for demo in DEMO_ORDERS:
        if Order.objects.filter(customer=customer, idempotency_key=demo.key).exists():
            continue
        if CartLine.objects.filter(cart__customer=customer).exists():
            log(f"Shop: {customer.email} has a full cart, demo orders left out.")
            break
        try:
            _demo_order_place(customer, demo, products)
        except ValidationError as refusal:
            log(f"Shop: demo order {demo.key} left out: {' '.join(refusal.messages)}")
            continue
        placed += 1
    return placed


def demo_selling_seed(
    customers: QuerySet[Customer], *, seed: int, log: Callable[[str], None]
) -> int:
    """The demo catalog, and the demo orders of the customers with a login.

    Returns the products and orders added (0 on a second run).
    """
    products, products_added = demo_products_ensure()
    if demo_settings_ensure():
        log("Shop: example bank-transfer instructions set.")
    if balance_payment_demo_enable():
        log("Shop: customers can now pay with their balance at checkout.")
    orders_added = 0
    for customer in (
        customers.filter(user__isnull=False).select_related("user").order_by("pk")
    ):
        orders_added += demo_orders_seed(customer, products, log)
    log(f"Shop: {products_added} products and {orders_added} orders added.")
    return products_added + orders_added
