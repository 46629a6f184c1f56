"""Cart, checkout and the order's life through the services, on PostgreSQL.

The balance discount is a hold while the order waits, a checkout entry once paid,
a refund entry if refunded; every step repeated changes nothing.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from balance.models import Entry, Hold
from selling.models import Cart, CartLine, Order
from selling.services import (
    cart_add,
    cart_discount_set,
    cart_line_remove,
    cart_line_set_quantity,
    cart_summary,
    order_cancel,
    order_confirm_payment,
    order_place,
    order_refund,
)
from selling.signals import order_paid, order_refunded
from tests.balance.support import STAFF, assert_ledger_consistent, figures
from tests.customers.factories import CustomerFactory
from tests.selling.support import (
    D,
    checkout_with_balance_enabled,
    customer_with_balance,
    place,
    product,
    signal_received,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    checkout_with_balance_enabled()
    return customer_with_balance(CustomerFactory(), "50.00")


# --- cart -----------------------------------------------------------------------


def test_adding_a_product_twice_adds_to_its_quantity(buyer):
    item = product("10.00")
    cart_add(customer=buyer, product_id=item.pk, quantity=2)
    line = cart_add(customer=buyer, product_id=item.pk, quantity="3")
    assert line.quantity == 5
    assert cart_summary(buyer).subtotal == D("50.00")


@pytest.mark.parametrize("quantity", [0, -1, "abc", "", "1.5", 1000])
def test_a_bad_quantity_is_refused_and_changes_nothing(buyer, quantity):
    item = product("10.00")
    with pytest.raises(ValidationError) as refusal:
        cart_add(customer=buyer, product_id=item.pk, quantity=quantity)
    assert refusal.value.code == "quantity"
    assert not CartLine.objects.exists()


def test_changing_a_quantity_checks_it_too(buyer):
    line = cart_add(customer=buyer, product_id=product("10.00").pk, quantity=2)
    with pytest.raises(ValidationError):
        cart_line_set_quantity(customer=buyer, line_id=line.pk, quantity=0)
    line.refresh_from_db()
    assert line.quantity == 2
    cart_line_set_quantity(customer=buyer, line_id=line.pk, quantity="4")
    line.refresh_from_db()
    assert line.quantity == 4


def test_an_inactive_or_unknown_product_cannot_be_added(buyer):
    retired = product("10.00", is_active=False)
    with pytest.raises(ValidationError, match="no longer on sale"):
        cart_add(customer=buyer, product_id=retired.pk)
    with pytest.raises(ValidationError) as refusal:
        cart_add(customer=buyer, product_id="999999")
    assert refusal.value.code == "no_product"
    assert not CartLine.objects.exists()


def test_another_customers_cart_line_is_not_found_and_not_changed(buyer):
    other = CustomerFactory()
    line = cart_add(customer=other, product_id=product("10.00").pk, quantity=2)
    with pytest.raises(ValidationError) as refusal:
        cart_line_set_quantity(customer=buyer, line_id=line.pk, quantity=9)
    assert refusal.value.code == "no_line"
    with pytest.raises(ValidationError):
        cart_line_remove(customer=buyer, line_id=line.pk)
    line.refresh_from_db()
    assert line.quantity == 2


def test_the_discount_is_at_most_the_available_balance_and_the_total(buyer):
    cart_add(customer=buyer, product_id=product("30.00").pk)
    summary = cart_summary(buyer)
    assert summary.offer.largest_discount == D("30.00")
    assert summary.offer.message == "You have 50.00 EUR: use 30.00 EUR"
    with pytest.raises(ValidationError) as above_total:
        cart_discount_set(customer=buyer, amount="30.01")
    assert above_total.value.code == "above_total"
    cart_add(customer=buyer, product_id=product("100.00").pk)
    with pytest.raises(ValidationError) as above_balance:
        cart_discount_set(customer=buyer, amount="50.01")
    assert above_balance.value.code == "above_balance"
    for bad in ["-1", "abc", "1.234"]:
        with pytest.raises(ValidationError):
            cart_discount_set(customer=buyer, amount=bad)
    assert Cart.objects.get(customer=buyer).balance_discount == 0
    cart_discount_set(customer=buyer, amount="20")
    assert cart_summary(buyer).total_due == D("110.00")
    cart_discount_set(customer=buyer, amount="0")
    assert cart_summary(buyer).balance_discount == 0


def test_no_offer_when_paying_with_balance_is_off_or_nothing_is_available():
    customer = CustomerFactory()
    cart_add(customer=customer, product_id=product("30.00").pk)
    settings_row = checkout_with_balance_enabled()
    assert cart_summary(customer).offer is None  # no balance
    customer_with_balance(customer, "5.00")
    assert cart_summary(customer).offer is not None
    settings_row.checkout_enabled = False
    settings_row.save()
    assert cart_summary(customer).offer is None
    with pytest.raises(ValidationError) as refusal:
        cart_discount_set(customer=customer, amount="5")
    assert refusal.value.code == "no_offer"


def test_lowering_the_cart_below_the_discount_lowers_the_discount(buyer):
    line = cart_add(customer=buyer, product_id=product("20.00").pk, quantity=2)
    cart_discount_set(customer=buyer, amount="40")
    cart_line_set_quantity(customer=buyer, line_id=line.pk, quantity=1)
    assert Cart.objects.get(customer=buyer).balance_discount == D("20.00")


# --- placing --------------------------------------------------------------------


def test_bank_transfer_order_holds_the_discount_until_paid(buyer):
    order = place(buyer, items=[(product("80.00"), 1)], discount="30")
    assert order.status == Order.Status.PENDING
    assert (order.subtotal, order.balance_discount, order.total_due) == (
        D("80.00"),
        D("30.00"),
        D("50.00"),
    )
    assert figures(buyer) == (D("50.00"), D("30.00"))
    hold = Hold.objects.get(pk=order.balance_hold_id)
    assert (hold.kind, hold.source_type, hold.source_id) == (
        Hold.Kind.CHECKOUT,
        "order",
        str(order.pk),
    )
    assert not CartLine.objects.filter(cart__customer=buyer).exists()
    assert Cart.objects.get(customer=buyer).balance_discount == 0

    order_confirm_payment(order_id=order.pk, reference="TRX-1")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.payment_reference == "TRX-1"
    assert figures(buyer) == (D("20.00"), D("0.00"))
    entry = Entry.objects.get(customer=buyer, kind=Entry.Kind.CHECKOUT)
    assert (entry.amount, entry.source_type, entry.source_id) == (
        D("-30.00"),
        "order",
        str(order.pk),
    )
    assert_ledger_consistent(buyer)


def test_a_discount_covering_everything_pays_the_order_at_once(buyer):
    with signal_received(order_paid) as received:
        order = place(buyer, items=[(product("25.00"), 2)], discount="50")
    assert order.status == Order.Status.PAID
    assert order.payment_method == "none"
    assert order.total_due == 0
    assert received == [order.pk]
    assert figures(buyer) == (D("0.00"), D("0.00"))
    assert_ledger_consistent(buyer)


def test_the_order_keeps_the_price_it_was_sold_at(buyer):
    item = product("10.00")
    order = place(buyer, items=[(item, 3)])
    item.price = D("99.00")
    item.name = "Renamed"
    item.save()
    line = order.lines.get()
    assert line.product_name != "Renamed"
    assert (line.unit_price, line.line_total) == (D("10.00"), D("30.00"))


def test_the_same_key_twice_places_one_order(buyer):
    item = product("10.00")
    first = place(buyer, items=[(item, 1)], discount="10", key="double-click")
    cart_add(customer=buyer, product_id=item.pk)
    again = order_place(
        customer=buyer, payment_method="bank_transfer", idempotency_key="double-click"
    )
    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert CartLine.objects.filter(cart__customer=buyer).count() == 1


def test_an_empty_cart_or_an_inactive_product_places_nothing(buyer):
    with pytest.raises(ValidationError) as empty:
        order_place(customer=buyer, payment_method="bank_transfer", idempotency_key="k")
    assert empty.value.code == "empty_cart"
    item = product("10.00")
    cart_add(customer=buyer, product_id=item.pk)
    item.is_active = False
    item.save()
    with pytest.raises(ValidationError, match=item.name):
        order_place(customer=buyer, payment_method="bank_transfer", idempotency_key="k")
    assert not Order.objects.exists()
    assert CartLine.objects.filter(cart__customer=buyer).exists()


def test_an_unknown_payment_method_places_nothing(buyer):
    cart_add(customer=buyer, product_id=product("10.00").pk)
    for method in ["card-that-does-not-exist", "none"]:
        with pytest.raises(ValidationError) as refusal:
            order_place(customer=buyer, payment_method=method, idempotency_key=method)
        assert refusal.value.code == "no_payment_method"
    assert not Order.objects.exists()


def test_a_discount_the_balance_no_longer_covers_places_nothing(buyer):
    cart_add(customer=buyer, product_id=product("40.00").pk)
    cart_discount_set(customer=buyer, amount="40")
    # Another order takes most of the balance meanwhile.
    from balance.services import balance_debit

    balance_debit(
        customer_id=buyer.pk, amount=D("20.00"), author=STAFF, idempotency_key="x"
    )
    with pytest.raises(ValidationError) as refusal:
        order_place(customer=buyer, payment_method="bank_transfer", idempotency_key="k")
    assert refusal.value.code == "insufficient"
    assert not Order.objects.exists()
    assert figures(buyer) == (D("30.00"), D("0.00"))
    assert CartLine.objects.filter(cart__customer=buyer).exists()


# --- paying, cancelling, refunding ---------------------------------------------


def test_confirming_a_payment_twice_changes_nothing_the_second_time(buyer):
    with signal_received(order_paid) as received:
        order = place(buyer, items=[(product("80.00"), 1)], discount="30")
        order_confirm_payment(order_id=order.pk, reference="first")
        order_confirm_payment(order_id=order.pk, reference="second")
    order.refresh_from_db()
    assert order.payment_reference == "first"
    assert received == [order.pk]
    assert Entry.objects.filter(customer=buyer, kind=Entry.Kind.CHECKOUT).count() == 1
    assert figures(buyer) == (D("20.00"), D("0.00"))


def test_payment_is_refused_when_the_balance_no_longer_covers_the_discount(buyer):
    order = place(buyer, items=[(product("80.00"), 1)], discount="30")
    from balance.services import balance_debit

    # Staff may take the balance into debt, under the held amount.
    balance_debit(
        customer_id=buyer.pk, amount=D("45.00"), author=STAFF, idempotency_key="debt"
    )
    with pytest.raises(ValidationError) as refusal:
        order_confirm_payment(order_id=order.pk, reference="TRX")
    assert refusal.value.code == "insufficient"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert not Entry.objects.filter(kind=Entry.Kind.CHECKOUT).exists()
    order_cancel(order_id=order.pk, reason="Balance spent elsewhere")
    assert figures(buyer) == (D("5.00"), D("0.00"))


def test_cancelling_releases_the_hold_once(buyer):
    order = place(buyer, items=[(product("80.00"), 1)], discount="30")
    order_cancel(order_id=order.pk, reason="Changed my mind")
    order_cancel(order_id=order.pk, reason="again")
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (
        Order.Status.CANCELLED,
        "Changed my mind",
    )
    assert Hold.objects.get(pk=order.balance_hold_id).status == Hold.Status.RELEASED
    assert figures(buyer) == (D("50.00"), D("0.00"))
    with pytest.raises(ValidationError) as refusal:
        order_confirm_payment(order_id=order.pk)
    assert refusal.value.code == "not_pending"
    assert_ledger_consistent(buyer)


def test_a_paid_order_is_refunded_not_cancelled_and_the_balance_part_comes_back(buyer):
    with signal_received(order_refunded) as refunded:
        order = place(buyer, items=[(product("80.00"), 1)], discount="30")
        order_confirm_payment(order_id=order.pk)
        with pytest.raises(ValidationError):
            order_cancel(order_id=order.pk)
        order_refund(order_id=order.pk, reason="Service not delivered")
        order_refund(order_id=order.pk, reason="twice")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert refunded == [order.pk]
    refund = Entry.objects.get(customer=buyer, kind=Entry.Kind.REFUND)
    assert refund.amount == D("30.00")
    assert figures(buyer) == (D("50.00"), D("0.00"))
    assert_ledger_consistent(buyer)


def test_a_pending_order_cannot_be_refunded(buyer):
    order = place(buyer, items=[(product("10.00"), 1)])
    with pytest.raises(ValidationError) as refusal:
        order_refund(order_id=order.pk)
    assert refusal.value.code == "not_paid"


def test_an_unknown_order_id_is_a_clear_refusal():
    for bad in ["999999", "abc", ""]:
        with pytest.raises(ValidationError) as refusal:
            order_confirm_payment(order_id=bad)
        assert refusal.value.code == "no_order"


def test_an_order_without_discount_never_touches_the_ledger(buyer):
    order = place(buyer, items=[(product("10.00"), 1)])
    assert order.balance_hold_id is None
    order_confirm_payment(order_id=order.pk)
    assert not Entry.objects.filter(kind=Entry.Kind.CHECKOUT).exists()
    assert figures(buyer) == (D("50.00"), D("0.00"))


def test_a_discount_chosen_before_staff_turned_paying_with_balance_off_is_refused(
    buyer,
):
    cart_add(customer=buyer, product_id=product("40.00").pk)
    cart_discount_set(customer=buyer, amount="10")
    settings_row = checkout_with_balance_enabled()
    settings_row.checkout_enabled = False
    settings_row.save()
    with pytest.raises(ValidationError) as refusal:
        order_place(customer=buyer, payment_method="bank_transfer", idempotency_key="k")
    assert refusal.value.code == "no_offer"
    assert not Order.objects.exists()
    assert figures(buyer) == (D("50.00"), D("0.00"))


def test_the_offer_is_in_the_customers_language(buyer):
    from django.utils import translation

    settings_row = checkout_with_balance_enabled()
    settings_row.checkout_message = {
        "en": "You have {balance}",
        "it": "Hai {balance}: usa {balance-value}",
    }
    settings_row.checkout_button_text = {"it": "Usa il credito"}
    settings_row.save()
    cart_add(customer=buyer, product_id=product("30.00").pk)
    with translation.override("it"):
        offer = cart_summary(buyer).offer
    assert offer.message == "Hai 50,00 EUR: usa 30,00 EUR"
    assert offer.button_text == "Usa il credito"
    with translation.override("pt"):
        offer = cart_summary(buyer).offer
    assert offer.message == "You have 50,00 EUR"
