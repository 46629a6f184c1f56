"""Order e-mails: received (with how to pay), paid; once each, in the customer's
language, delivered by the shared e-mail flush (locmem backend)."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail

from core.models import SentEmail
from selling.models import Order, SellingSettings
from selling.services import cart_add, order_confirm_payment
from tests.balance.test_emails import flush_queued_emails
from tests.customers.factories import CustomerFactory
from tests.selling.account_support import PLACE
from tests.selling.support import (
    checkout_with_balance_enabled,
    customer_with_balance,
    place,
    product,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def bank_details():
    settings_row = SellingSettings.load()
    settings_row.bank_transfer_instructions = (
        "IBAN IT60X0542811101000000123456, reference {order}"
    )
    settings_row.staff_notification_emails = "orders@shop.example\nboss@shop.example"
    settings_row.save()


def test_a_bank_transfer_order_emails_how_to_pay_then_that_it_is_paid(bank_details):
    customer = CustomerFactory(email="ann@example.com", first_name="Ann")
    order = place(customer, items=[(product("80.00", name="Hosting"), 2)])

    assert flush_queued_emails() == 3
    received = {message.to[0]: message for message in mail.outbox}
    assert set(received) == {
        "ann@example.com",
        "orders@shop.example",
        "boss@shop.example",
    }
    to_customer = received["ann@example.com"]
    assert to_customer.subject == f"We received your order {order.number}"
    assert f"reference {order.number}" in to_customer.body
    assert "2 × Hosting: 160.00 EUR" in to_customer.body
    assert "Total due: 160.00 EUR" in to_customer.body
    assert f"http://127.0.0.1:8000/account/orders/{order.pk}/" in to_customer.body
    html = to_customer.alternatives[0][0]
    assert "IT60X0542811101000000123456" in html
    assert "placed order" in received["orders@shop.example"].body
    assert f"/staff/orders/{order.pk}/" in received["orders@shop.example"].body

    mail.outbox.clear()
    order_confirm_payment(order_id=order.pk, reference="TRX")
    order_confirm_payment(order_id=order.pk, reference="TRX")
    assert flush_queued_emails() == 1
    (paid,) = mail.outbox
    assert paid.subject == f"Your order {order.number} is paid"
    assert flush_queued_emails() == 0


def test_an_order_paid_with_balance_says_there_is_nothing_to_pay():
    checkout_with_balance_enabled()
    customer = customer_with_balance(
        CustomerFactory(email="lucia@example.es", language="es"), "50.00"
    )
    order = place(customer, items=[(product("20.00"), 1)], discount="20")

    assert flush_queued_emails() == 2
    assert sorted(message.subject for message in mail.outbox) == [
        f"Hemos recibido tu pedido {order.number}",
        f"Se ha pagado tu pedido {order.number}",
    ]
    bodies = "\n".join(message.body for message in mail.outbox)
    assert "20,00 EUR" in bodies  # formatted for Spanish


def test_order_emails_link_to_the_address_the_order_was_placed_on(
    customer_client, customer, bank_details, django_capture_on_commit_callbacks
):
    """make run PORT=8111: the links are on :8111, not on SITE_URL's :8000."""
    cart_add(customer=customer, product_id=product("80.00").pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(
            PLACE,
            {"payment_method": "bank_transfer", "nonce": uuid.uuid4()},
            HTTP_HOST="localhost:8111",
            secure=True,
        )
    assert response.status_code == 302
    order = Order.objects.get(customer=customer)

    received = {message.to[0]: message for message in mail.outbox}
    assert len(received) == 3
    assert (
        f"https://localhost:8111/account/orders/{order.pk}/"
        in received[customer.email].body
    )
    assert (
        f"https://localhost:8111/account/orders/{order.pk}/"
        in (received[customer.email].alternatives[0][0])
    )
    assert (
        f"https://localhost:8111/staff/orders/{order.pk}/"
        in received["orders@shop.example"].body
    )
    assert "127.0.0.1:8000" not in received[customer.email].body


def test_order_emails_are_not_sent_for_a_host_we_do_not_serve(
    customer_client, customer
):
    cart_add(customer=customer, product_id=product("80.00").pk, quantity=1)
    response = customer_client.post(
        PLACE,
        {"payment_method": "bank_transfer", "nonce": uuid.uuid4()},
        HTTP_HOST="evil.example",
    )
    assert response.status_code == 400
    assert not Order.objects.filter(customer=customer).exists()
    assert not SentEmail.objects.exists()
