"""The customer area's "My orders": list, detail, cancel; only the customer's own."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail

from selling.models import Order
from selling.services import (
    cart_add,
    cart_discount_set,
    order_confirm_payment,
    order_place,
)
from tests.balance.support import figures
from tests.customers.factories import CustomerWithLoginFactory
from tests.selling.account_support import (
    ORDERS,
    bank_instructions,
    impersonate,
    messages_of,
    offer_enabled,
    order_cancel_url,
    order_url,
)
from tests.selling.factories import OrderFactory, ProductFactory
from tests.selling.support import customer_with_balance

pytestmark = pytest.mark.django_db

D = Decimal


def placed_with_discount(customer, discount="20.00") -> Order:
    offer_enabled()
    customer_with_balance(customer, "50.00")
    item = ProductFactory(name="Logo design", price=D("40.00"))
    cart_add(customer=customer, product_id=item.pk, quantity=1)
    cart_discount_set(customer=customer, amount=D(discount))
    return order_place(
        customer=customer,
        payment_method="bank_transfer",
        idempotency_key=uuid.uuid4().hex,
    )


def test_orders_list_shows_only_own_orders(customer_client, customer):
    mine = OrderFactory(customer=customer, subtotal=D("12.00"))
    theirs = OrderFactory(customer=CustomerWithLoginFactory())
    response = customer_client.get(ORDERS)
    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["orders"]) == [mine]
    assert mine.number in content
    assert theirs.number not in content
    assert "Pending payment" in content


def test_orders_list_empty(customer_client):
    assert "You have no orders yet." in customer_client.get(ORDERS).content.decode()


def test_orders_list_queries_do_not_grow(
    customer_client, customer, django_assert_max_num_queries
):
    for _number in range(5):
        OrderFactory(customer=customer)
    with django_assert_max_num_queries(12):
        customer_client.get(ORDERS)


def test_order_page_shows_lines_totals_and_instructions(customer_client, customer):
    bank_instructions()
    order = placed_with_discount(customer)
    response = customer_client.get(order_url(order))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Logo design" in content
    assert "40.00 EUR" in content
    assert "−20.00 EUR" in content
    assert "20.00 EUR" in content
    assert "Pending payment" in content
    assert f"reference {order.number}" in content
    assert "Cancel the order" in content


def test_order_page_of_paid_order_has_no_instructions(customer_client, customer):
    bank_instructions()
    order = OrderFactory(customer=customer, status=Order.Status.PAID)
    content = customer_client.get(order_url(order)).content.decode()
    assert "How to pay" not in content
    assert "Cancel the order" not in content
    assert "Paid" in content


def test_another_customers_order_is_404(customer_client):
    theirs = OrderFactory(customer=CustomerWithLoginFactory())
    assert customer_client.get(order_url(theirs)).status_code == 404
    assert customer_client.post(order_cancel_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Order.Status.PENDING
    assert customer_client.get("/account/orders/999999/").status_code == 404


def test_cancel_pending_order_releases_the_hold(customer_client, customer):
    order = placed_with_discount(customer)
    assert figures(customer) == (D("50.00"), D("20.00"))
    response = customer_client.post(order_cancel_url(order), follow=True)
    assert f"Your order {order.number} was cancelled." in messages_of(response)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert figures(customer) == (D("50.00"), D("0.00"))
    assert "Cancel the order" not in response.content.decode()


def test_cancel_paid_order_is_refused_with_a_message(customer_client, customer):
    order = OrderFactory(customer=customer, status=Order.Status.PAID)
    response = customer_client.post(order_cancel_url(order), follow=True)
    assert any(
        "Only a pending order can be cancelled" in m for m in messages_of(response)
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_cancel_forbidden_while_impersonating(client, staff_user, customer):
    order = OrderFactory(customer=customer)
    impersonate(client, staff_user, customer)
    assert "Cancel the order" not in client.get(order_url(order)).content.decode()
    assert client.post(order_cancel_url(order)).status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_cancel_is_post_only(customer_client, customer):
    order = OrderFactory(customer=customer)
    assert customer_client.get(order_cancel_url(order)).status_code == 405


def test_order_paid_by_staff_shows_paid_debits_balance_and_mails(
    customer_client, customer, staff_user, django_capture_on_commit_callbacks
):
    bank_instructions()
    with django_capture_on_commit_callbacks(execute=True):
        order = placed_with_discount(customer)
        order_confirm_payment(order_id=order.pk, reference="TRN-1", user=staff_user)
    assert figures(customer) == (D("30.00"), D("0.00"))
    content = customer_client.get(order_url(order)).content.decode()
    assert "Paid" in content
    assert "How to pay" not in content
    received, paid = mail.outbox
    assert received.to == paid.to == [customer.email]
    assert f"reference {order.number}" in received.body
    assert f"Your order {order.number} is paid" in paid.subject
