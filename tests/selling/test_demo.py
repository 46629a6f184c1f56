"""The shop's demo data that seed_demo adds: a catalog, and the demo customer's
orders, placed through the services so the ledger stays consistent; added once."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from balance.models import BalanceSettings, Entry, Hold
from balance.verification import balance_mismatches
from core.models import SentEmail
from customers.models import Customer
from selling import demo
from selling.discounts import balance_payment_demo_enable
from selling.models import CartLine, Order, Product, SellingSettings
from selling.services import cart_add
from tests.balance.support import credit
from tests.customers.factories import CustomerWithLoginFactory
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db

CUSTOMER_EMAIL = "customer@example.com"


def seed_demo(customers: int = 30) -> str:
    output = StringIO()
    call_command("seed_demo", customers=customers, stdout=output)
    return output.getvalue()


def run_seeder(customers=None) -> tuple[int, list[str]]:
    lines: list[str] = []
    added = demo.demo_selling_seed(
        customers or Customer.objects.filter(source="demo"),
        seed=2026,
        log=lines.append,
    )
    return added, lines


def test_seed_demo_adds_the_catalog_and_the_demo_orders_once():
    output = seed_demo()

    products = {product.name: product for product in Product.objects.all()}
    assert set(products) == {product.name for product in demo.DEMO_PRODUCTS}
    assert products["Website hosting"].renewal_period_text == "1 year"
    assert products["Monthly maintenance"].renewal_period_text == "1 month"
    assert not products["Logo design"].is_renewable
    customer = Customer.objects.get(email=CUSTOMER_EMAIL)
    orders = {order.idempotency_key: order for order in customer.orders.all()}
    paid = orders["demo:paid-with-balance"]
    assert paid.status == Order.Status.PAID
    assert Decimal("0.00") < paid.balance_discount < paid.subtotal
    assert paid.total_due == paid.subtotal - paid.balance_discount
    assert [line.product_name for line in paid.lines.all()] == [
        "Logo design",
        "SSL certificate",
    ]
    checkout = Entry.objects.get(
        customer=customer, idempotency_key=f"hold:{paid.balance_hold_id}"
    )
    assert checkout.kind == Entry.Kind.CHECKOUT
    assert checkout.amount == -paid.balance_discount
    pending = orders["demo:bank-transfer"]
    assert pending.status == Order.Status.PENDING
    assert pending.payment_method == "bank_transfer"
    assert pending.balance_discount == 0
    assert not CartLine.objects.filter(cart__customer=customer).exists()
    assert BalanceSettings.load().checkout_enabled
    instructions = SellingSettings.load().bank_transfer_instructions
    assert instructions == {"en": demo.DEMO_BANK_TRANSFER_INSTRUCTIONS}
    assert (
        pending.number
        in SentEmail.objects.get(
            event_key=f"selling.order_received:{pending.pk}"
        ).context["instructions"]
    )
    assert "Shop: 7 products and 2 orders added." in output
    assert balance_mismatches() == []
    verified = StringIO()
    call_command("verify_balances", stdout=verified)
    assert verified.getvalue().startswith("OK")

    counts = (
        Product.objects.count(),
        Order.objects.count(),
        Entry.objects.count(),
        Hold.objects.count(),
        SentEmail.objects.count(),
    )
    again = seed_demo()

    assert "Shop: 0 products and 0 orders added." in again
    assert (
        Product.objects.count(),
        Order.objects.count(),
        Entry.objects.count(),
        Hold.objects.count(),
        SentEmail.objects.count(),
    ) == counts
    assert balance_mismatches() == []


def test_demo_customer_keeps_balance_to_spend_at_checkout():
    seed_demo()

    customer = Customer.objects.get(email=CUSTOMER_EMAIL)
    assert customer.balance - customer.balance_held > 0


def test_products_of_the_same_name_are_reused_as_they_are():
    logo = ProductFactory(name="logo design", price=Decimal("99.00"))
    customer = CustomerWithLoginFactory(source="demo")

    run_seeder()

    assert Product.objects.filter(name__iexact="Logo design").count() == 1
    logo.refresh_from_db()
    assert logo.price == Decimal("99.00")
    paid = customer.orders.get(idempotency_key="demo:paid-with-balance")
    assert paid.lines.filter(product=logo).exists()


def test_customer_without_balance_pays_everything_by_transfer():
    customer = CustomerWithLoginFactory(source="demo")

    run_seeder()

    paid = customer.orders.get(idempotency_key="demo:paid-with-balance")
    assert paid.status == Order.Status.PAID
    assert paid.balance_discount == 0
    assert not Entry.objects.filter(customer=customer).exists()


def test_the_discount_takes_half_of_the_balance_at_most():
    customer = CustomerWithLoginFactory(source="demo")
    credit(customer, "12.30")

    run_seeder()

    paid = customer.orders.get(idempotency_key="demo:paid-with-balance")
    assert paid.balance_discount == Decimal("6.15")
    customer.refresh_from_db()
    assert customer.balance == Decimal("6.15")
    assert balance_mismatches() == []


def test_a_customer_with_a_full_cart_gets_no_demo_order():
    customer = CustomerWithLoginFactory(source="demo")
    product = ProductFactory()
    cart_add(customer=customer, product_id=product.pk, quantity=2)

    added, lines = run_seeder()

    assert not customer.orders.exists()
    assert list(
        CartLine.objects.filter(cart__customer=customer).values_list(
            "product_id", "quantity"
        )
    ) == [(product.pk, 2)]
    assert f"Shop: {customer.email} has a full cart, demo orders left out." in lines
    assert added == len(demo.DEMO_PRODUCTS)


def test_only_customers_with_a_login_get_orders():
    run_seeder(Customer.objects.none())
    CustomerWithLoginFactory(source="shop")  # not a demo customer

    added, lines = run_seeder()

    assert added == 0
    assert not Order.objects.exists()
    assert lines[-1] == "Shop: 0 products and 0 orders added."


def test_bank_transfer_instructions_set_by_staff_are_kept():
    SellingSettings.objects.update_or_create(
        pk=1, defaults={"bank_transfer_instructions": {"it": "Pagate alla cassa."}}
    )

    run_seeder()

    assert SellingSettings.load().bank_transfer_instructions == {
        "it": "Pagate alla cassa."
    }


def test_balance_payment_demo_enable_leaves_a_configured_offer_alone():
    settings_row = BalanceSettings.load()
    settings_row.checkout_message = {"en": "Pay with your credit: {balance}."}
    settings_row.save()

    assert balance_payment_demo_enable() is False
    assert BalanceSettings.load().checkout_enabled is False

    settings_row.checkout_message = {}
    settings_row.save()
    assert balance_payment_demo_enable() is True
    enabled = BalanceSettings.load()
    assert enabled.checkout_enabled
    assert "{balance-value}" in enabled.localized("checkout_message", "en")
    assert enabled.localized("checkout_button_text", "en") == "Use my balance"
    assert balance_payment_demo_enable() is False
