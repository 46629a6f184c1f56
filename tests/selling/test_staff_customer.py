"""What selling adds to the customer card: the Orders tab, the timeline, the sidebar."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from selling.models import Order
from selling.services import order_confirm_payment, order_refund
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.selling.factories import OrderFactory, ProductFactory
from tests.selling.support import (
    checkout_with_balance_enabled,
    customer_with_balance,
    place,
)

pytestmark = pytest.mark.django_db

D = Decimal


def tab_url(customer):
    return reverse("selling:staff_customer_orders", args=[customer.pk])


def test_orders_tab_lists_only_this_customers_orders(staff_client):
    customer = CustomerFactory()
    mine = OrderFactory(customer=customer, subtotal=D("25.00"))
    other = OrderFactory()

    response = staff_client.get(tab_url(customer))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("selling:staff_order", args=[mine.pk]) in html
    assert reverse("selling:staff_order", args=[other.pk]) not in html
    assert "25.00" in html
    assert 'aria-current="page">Orders</a>' in html


def test_orders_tab_appears_on_the_card(staff_client):
    customer = CustomerFactory()

    html = staff_client.get(reverse("customers:card", args=[customer.pk])).content

    assert tab_url(customer) in html.decode()


def test_orders_tab_needs_view_order(client):
    customer = CustomerFactory()
    user = StaffFactory()
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="customers", codename="view_customer"
        )
    )
    client.force_login(user)

    card = client.get(reverse("customers:card", args=[customer.pk])).content.decode()

    assert client.get(tab_url(customer)).status_code == 403
    assert tab_url(customer) not in card


def test_orders_tab_unknown_customer_is_404(staff_client):
    assert (
        staff_client.get(
            reverse("selling:staff_customer_orders", args=[999999])
        ).status_code
        == 404
    )


def test_orders_tab_shows_an_empty_list(staff_client):
    response = staff_client.get(tab_url(CustomerFactory()))

    assert response.status_code == 200
    assert "Nothing to show here." in response.content.decode()


def test_timeline_shows_the_order_and_its_payment(staff_client):
    checkout_with_balance_enabled()
    customer = customer_with_balance(CustomerFactory(), "50.00")
    order = place(
        customer,
        items=[(ProductFactory(name="Hosting", price=D("80.00")), 1)],
        discount="20",
    )
    order_confirm_payment(order_id=order.pk, reference="TRN-1")

    response = staff_client.get(reverse("customers:history", args=[customer.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Order placed {order.number}" in html
    assert f"Order paid {order.number}" in html
    assert reverse("selling:staff_order", args=[order.pk]) in html


def test_sidebar_shows_purchases_and_revenue(staff_client):
    customer = CustomerFactory()
    paid = OrderFactory(customer=customer, subtotal=D("40.00"))
    order_confirm_payment(order_id=paid.pk, reference="TRN-1")
    second = OrderFactory(customer=customer, subtotal=D("60.50"))
    order_confirm_payment(order_id=second.pk, reference="TRN-2")
    OrderFactory(customer=customer, subtotal=D("999.00"))  # pending: not counted
    refunded = OrderFactory(customer=customer, subtotal=D("5.00"))
    order_confirm_payment(order_id=refunded.pk, reference="TRN-3")
    order_refund(order_id=refunded.pk, reason="faulty")

    response = staff_client.get(tab_url(customer))

    html = response.content.decode()
    assert Order.objects.filter(customer=customer, status="paid").count() == 2
    assert 'data-figure="purchases">2 purchases, 100.50' in html
