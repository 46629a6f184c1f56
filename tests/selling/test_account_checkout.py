"""The customer area's checkout: the balance offer, the discount, placing the order."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail

from balance.models import BalanceSettings, Entry, Hold
from balance.services import balance_debit
from selling.models import Cart, CartLine, Order
from selling.services import cart_add, cart_discount_set, cart_for, order_place
from tests.balance.support import STAFF, assert_ledger_consistent, figures
from tests.selling.account_support import (
    CHECKOUT,
    DISCOUNT,
    PLACE,
    bank_instructions,
    impersonate,
    offer_enabled,
    order_url,
)
from tests.selling.factories import ProductFactory
from tests.selling.support import customer_with_balance

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def buyer(customer):
    """A customer with 50.00 of balance and 80.00 in the cart (2 × 40.00)."""
    offer_enabled()
    bank_instructions()
    customer_with_balance(customer, "50.00")
    item = ProductFactory(name="Logo design", price=D("40.00"))
    cart_add(customer=customer, product_id=item.pk, quantity=2)
    return customer


def discount_of(customer) -> Decimal:
    return Cart.objects.get(customer=customer).balance_discount


def place(client, method="bank_transfer", nonce=None, **options):
    return client.post(
        PLACE, {"payment_method": method, "nonce": nonce or uuid.uuid4()}, **options
    )


def test_checkout_shows_summary_offer_and_styled_button(customer_client, buyer):
    response = customer_client.get(CHECKOUT)
    content = response.content.decode()
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.subtotal, summary.balance_discount, summary.total_due) == (
        D("80.00"),
        D("0.00"),
        D("80.00"),
    )
    assert "You have 50.00 EUR: use 50.00 EUR now!" in content
    assert "Use my credits" in content
    assert 'checkout-offer-filled" data-colour="#aa3300"' in content
    assert 'name="amount" value="50.00"' in content
    assert "Place order" in content
    assert [m.key for m in response.context["methods"]] == ["bank_transfer"]


@pytest.mark.parametrize(
    "style", [BalanceSettings.ButtonStyle.OUTLINE, BalanceSettings.ButtonStyle.LINK]
)
def test_offer_button_follows_the_style_setting(customer_client, buyer, style):
    offer_enabled(style=style)
    content = customer_client.get(CHECKOUT).content.decode()
    assert f'checkout-offer-{style}" data-colour="#aa3300"' in content


def test_no_offer_when_paying_with_balance_is_off(customer_client, buyer):
    row = BalanceSettings.load()
    row.checkout_enabled = False
    row.save()
    response = customer_client.get(CHECKOUT)
    assert response.context["offer"] is None
    assert "Use my credits" not in response.content.decode()


def test_apply_largest_discount(customer_client, buyer):
    response = customer_client.post(DISCOUNT, {"amount": "50.00"}, follow=True)
    assert "50.00 EUR of your balance will pay for this order." in (
        response.content.decode()
    )
    assert discount_of(buyer) == D("50.00")
    summary = response.context["summary"]
    assert (summary.balance_discount, summary.total_due) == (D("50.00"), D("30.00"))
    assert [m.key for m in response.context["methods"]] == ["bank_transfer"]
    assert "Remove the discount" in response.content.decode()


def test_lower_then_remove_discount(customer_client, buyer):
    customer_client.post(DISCOUNT, {"amount": "50.00"})
    customer_client.post(DISCOUNT, {"amount": "12,50"})
    assert discount_of(buyer) == D("12.50")
    response = customer_client.post(DISCOUNT, {"remove": "1"}, follow=True)
    assert "The balance discount was removed." in response.content.decode()
    assert discount_of(buyer) == D("0.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "is not an amount"),
        ("-5", "cannot be negative"),
        ("12.345", "more than 2 decimal places"),
        ("60", "more than your available balance (50.00 EUR)"),
        # Above the total too, but the balance is the smaller bound.
        ("90", "more than your available balance (50.00 EUR)"),
    ],
)
def test_discount_refuses_bad_amount(customer_client, buyer, amount, message):
    cart_discount_set(customer=buyer, amount=D("10.00"))
    response = customer_client.post(DISCOUNT, {"amount": amount})
    assert response.status_code == 200
    errors = " ".join(response.context["discount_form"].errors["amount"])
    assert message in errors
    assert message in response.content.decode().replace("&nbsp;", " ")
    assert discount_of(buyer) == D("10.00")


def test_discount_above_both_bounds_names_the_available_balance(
    customer_client, customer
):
    offer_enabled()
    customer_with_balance(customer, "67.96")
    item = ProductFactory(name="Yearly plan", price=D("350.00"))
    cart_add(customer=customer, product_id=item.pk, quantity=1)

    response = customer_client.post(DISCOUNT, {"amount": "500"})

    errors = " ".join(response.context["discount_form"].errors["amount"])
    assert "more than your available balance (67.96 EUR)" in errors
    assert "total" not in errors
    assert discount_of(customer) == D("0.00")


def test_discount_above_both_bounds_names_the_total_when_it_is_smaller(
    customer_client, customer
):
    offer_enabled()
    customer_with_balance(customer, "100.00")
    item = ProductFactory(name="Logo design", price=D("40.00"))
    cart_add(customer=customer, product_id=item.pk, quantity=2)

    response = customer_client.post(DISCOUNT, {"amount": "120"})

    errors = " ".join(response.context["discount_form"].errors["amount"])
    assert "more than the total (80.00 EUR)" in errors
    assert "balance" not in errors


def test_checkout_has_one_discount_control_with_the_configured_button(
    customer_client, buyer
):
    customer_client.post(DISCOUNT, {"amount": "12.50"})

    content = customer_client.get(CHECKOUT).content.decode()

    section = content.split('class="panel account-section checkout-balance"')[1]
    section = section.split("</section>")[0]
    apply_form = section.split("checkout-discount-remove")[0]
    assert apply_form.count('name="amount"') == 1
    assert apply_form.count('type="submit"') == 1
    # Prefilled with the most that can be used, not what is applied now.
    assert 'name="amount" value="50.00"' in apply_form
    assert 'checkout-offer-filled" data-colour="#aa3300">Use my credits' in apply_form
    assert "Change the discount" not in content
    assert "The most you can use is filled in" in apply_form


def test_discount_refused_when_offer_is_off(customer_client, buyer):
    row = BalanceSettings.load()
    row.checkout_enabled = False
    row.save()
    response = customer_client.post(DISCOUNT, {"amount": "10"})
    assert response.status_code == 200
    assert "Paying with your balance is not available." in response.content.decode()
    assert discount_of(buyer) == D("0.00")


def test_place_bank_transfer_order_with_discount(
    customer_client, buyer, django_capture_on_commit_callbacks
):
    customer_client.post(DISCOUNT, {"amount": "50.00"})
    with django_capture_on_commit_callbacks(execute=True):
        response = place(customer_client)
    order = Order.objects.get(customer=buyer)
    assert response.status_code == 302
    assert response["Location"] == order_url(order)
    assert order.status == Order.Status.PENDING
    assert (order.subtotal, order.balance_discount, order.total_due) == (
        D("80.00"),
        D("50.00"),
        D("30.00"),
    )
    assert order.payment_method == "bank_transfer"
    assert order.placed_by == buyer.user
    assert figures(buyer) == (D("50.00"), D("50.00"))  # held, not yet spent
    assert not CartLine.objects.filter(cart__customer=buyer).exists()
    assert discount_of(buyer) == D("0.00")
    [received] = mail.outbox
    assert received.to == [buyer.email]
    assert order.number in received.subject or order.number in received.body
    assert f"reference {order.number}" in received.body
    assert "30.00 EUR" in received.body

    page = customer_client.get(order_url(order))
    content = page.content.decode()
    assert f"Thank you: your order {order.number} is placed." in content
    assert f"Pay to IT60X0542811101000000123456, reference {order.number}." in content
    assert "Pending payment" in content


def test_double_submit_places_one_order(
    customer_client, buyer, django_capture_on_commit_callbacks
):
    nonce = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        first = place(customer_client, nonce=nonce)
        second = place(customer_client, nonce=nonce)
    assert Order.objects.filter(customer=buyer).count() == 1
    assert first["Location"] == second["Location"]
    assert len(mail.outbox) == 1


def test_discount_covering_everything_pays_at_once(
    customer_client, customer, django_capture_on_commit_callbacks
):
    offer_enabled()
    customer_with_balance(customer, "100.00")
    item = ProductFactory(name="Logo design", price=D("40.00"))
    cart_add(customer=customer, product_id=item.pk, quantity=2)
    customer_client.post(DISCOUNT, {"amount": "80.00"})
    response = customer_client.get(CHECKOUT)
    assert [m.key for m in response.context["methods"]] == ["none"]
    assert "Nothing to pay" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = place(customer_client, method="none", follow=True)
    order = Order.objects.get(customer=customer)
    assert order.status == Order.Status.PAID
    assert order.total_due == D("0.00")
    assert figures(customer) == (D("20.00"), D("0.00"))
    assert Entry.objects.filter(customer=customer, amount=D("-80.00")).exists()
    assert_ledger_consistent(customer)
    content = response.content.decode()
    assert f"your order {order.number} is placed and paid" in content
    assert "How to pay" not in content
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 2  # order received, order paid
    assert any("is paid" in subject for subject in subjects)
    assert all(message.to == [customer.email] for message in mail.outbox)


def test_place_refuses_empty_cart(customer_client, customer):
    response = customer_client.get(CHECKOUT)
    assert "Your cart is empty." in response.content.decode()
    response = place(customer_client)
    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()
    assert not Order.objects.exists()


def test_place_refuses_inactive_product(customer_client, buyer):
    line = CartLine.objects.get(cart__customer=buyer)
    line.product.is_active = False
    line.product.save()
    assert "no longer on sale" in customer_client.get(CHECKOUT).content.decode()
    response = place(customer_client)
    assert response.status_code == 200
    assert "No longer on sale, please remove from your cart: Logo design." in (
        response.content.decode()
    )
    assert not Order.objects.exists()
    assert CartLine.objects.filter(cart__customer=buyer).count() == 1


def test_place_refuses_missing_or_unknown_method_and_nonce(customer_client, buyer):
    response = customer_client.post(PLACE, {"nonce": uuid.uuid4()})
    assert "Choose a payment method." in response.content.decode()
    response = place(customer_client, method="none")
    assert "Choose a payment method." in response.content.decode()
    response = place(customer_client, method="pigeon")
    assert "Choose a payment method." in response.content.decode()
    response = customer_client.post(PLACE, {"payment_method": "bank_transfer"})
    assert "The form has expired" in response.content.decode()
    assert not Order.objects.exists()


def test_place_refused_when_balance_was_taken_meanwhile(customer_client, buyer):
    customer_client.post(DISCOUNT, {"amount": "50.00"})
    # Another tab placed an order with the balance a moment ago.
    other_cart_discount = D("30.00")
    balance_debit(
        customer_id=buyer.pk,
        amount=other_cart_discount,
        author=STAFF,
        idempotency_key="test:elsewhere",
    )
    response = customer_client.get(CHECKOUT)
    assert response.context["discount_outdated"] is True
    assert "Your available balance changed" in response.content.decode()
    response = place(customer_client)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Only 20.00 EUR is available: 50.00 EUR cannot be set aside." in content
    assert not Order.objects.exists()
    assert not Hold.objects.filter(customer=buyer).exists()
    assert CartLine.objects.filter(cart__customer=buyer).count() == 1
    # The customer lowers the discount and places the order.
    customer_client.post(DISCOUNT, {"amount": "20"})
    response = place(customer_client)
    order = Order.objects.get(customer=buyer)
    assert order.balance_discount == D("20.00")


def test_place_refused_when_another_checkout_took_the_balance(customer_client, buyer):
    customer_client.post(DISCOUNT, {"amount": "50.00"})
    # The same discount placed from another tab (another nonce) first.
    first = order_place(
        customer=buyer, payment_method="bank_transfer", idempotency_key="other-tab"
    )
    assert first.balance_discount == D("50.00")
    item = ProductFactory(price=D("40.00"))
    cart_add(customer=buyer, product_id=item.pk, quantity=1)
    cart = cart_for(buyer)
    Cart.objects.filter(pk=cart.pk).update(balance_discount=D("40.00"))
    response = place(customer_client)
    assert "Only 0.00 EUR is available" in response.content.decode()
    assert Order.objects.filter(customer=buyer).count() == 1
    # With nothing available the offer is gone, yet the stale choice can be removed.
    content = response.content.decode()
    assert "is no longer available: remove it before placing the order" in content
    assert "Remove the discount" in content
    customer_client.post(DISCOUNT, {"remove": "1"})
    assert discount_of(buyer) == D("0.00")


def test_place_forbidden_while_impersonating(client, staff_user, buyer):
    impersonate(client, staff_user, buyer)
    page = client.get(CHECKOUT)
    assert page.status_code == 200
    assert "Place order" not in page.content.decode()
    assert "cannot be done while you are logged in as a customer" in (
        page.content.decode()
    )
    response = place(client)
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_checkout_pages_are_post_only_where_they_change(customer_client, buyer):
    assert customer_client.get(DISCOUNT).status_code == 405
    assert customer_client.get(PLACE).status_code == 405
