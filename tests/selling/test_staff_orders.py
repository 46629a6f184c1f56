"""The backoffice's orders: list and filters, the order page and its actions.

Orders with a balance discount are placed through the services (the ledger rows
must come from them); the actions change the order and the balance only through
``selling.services``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from balance.models import Entry, Hold
from balance.services import balance_debit
from selling.models import Order
from tests.balance.support import STAFF, assert_ledger_consistent, figures, key
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
LIST = reverse("selling:staff_orders")


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


@pytest.fixture
def discounted_order():
    """A pending bank-transfer order of 100.00, 30.00 of it held on a 50.00 balance."""
    checkout_with_balance_enabled()
    customer = customer_with_balance(
        CustomerFactory(first_name="Ada", last_name="Lovelace"), "50.00"
    )
    return place(
        customer, items=[(ProductFactory(price=D("100.00")), 1)], discount="30"
    )


def order_url(order, name="staff_order"):
    return reverse(f"selling:{name}", args=[order.pk])


def act(client, order, name, data):
    """Posts an action and follows to the order page, where the messages show."""
    return client.post(order_url(order, name), data, follow=True)


def flash(response) -> list[str]:
    """The messages of the last request (read once, as the page shows them)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def rows(response) -> list[int]:
    """The order ids of the list's table, in the order shown."""
    return [row.record.pk for row in response.context["table"].paginated_rows]


def placed(order, when: datetime) -> Order:
    Order.objects.filter(pk=order.pk).update(placed_at=when)
    order.refresh_from_db()
    return order


# --- The list ---


def test_order_list_refuses_staff_without_permission(client):
    client.force_login(StaffFactory())

    assert client.get(LIST).status_code == 403


def test_order_list_newest_first_with_customer_and_amounts(staff_client):
    customer = CustomerFactory(first_name="Grace", last_name="Hopper")
    older = placed(
        OrderFactory(customer=customer, subtotal=D("15.00")),
        timezone.now() - timedelta(days=2),
    )
    newer = OrderFactory(customer=customer, subtotal=D("42.00"))

    response = staff_client.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert rows(response) == [newer.pk, older.pk]
    assert newer.number in html and older.number in html
    assert "Grace" in html
    assert reverse("customers:card", args=[customer.pk]) in html
    assert "42.00" in html
    assert "Bank transfer" in html


def test_order_list_pending_first_option(staff_client):
    pending_old = placed(OrderFactory(), timezone.now() - timedelta(days=3))
    paid_new = OrderFactory(status=Order.Status.PAID)
    pending_new = placed(OrderFactory(), timezone.now() - timedelta(days=1))

    default = staff_client.get(LIST)
    pending_first = staff_client.get(LIST, {"sort": "pending"})

    assert rows(default) == [paid_new.pk, pending_new.pk, pending_old.pk]
    assert rows(pending_first) == [pending_new.pk, pending_old.pk, paid_new.pk]


def test_order_list_filters_by_status_and_payment_method(staff_client):
    pending = OrderFactory()
    paid = OrderFactory(status=Order.Status.PAID)
    free = OrderFactory(
        status=Order.Status.PAID,
        payment_method="none",
        subtotal=D("10.00"),
        balance_discount=D("10.00"),
    )

    by_status = staff_client.get(LIST, {"status": "paid"})
    by_method = staff_client.get(LIST, {"payment_method": "bank_transfer"})

    assert set(rows(by_status)) == {paid.pk, free.pk}
    assert set(rows(by_method)) == {pending.pk, paid.pk}


def test_order_list_filters_by_placed_date_range(staff_client):
    now = timezone.localtime()
    old = placed(OrderFactory(), now - timedelta(days=10))
    middle = placed(OrderFactory(), now - timedelta(days=5))
    recent = OrderFactory()

    response = staff_client.get(
        LIST,
        {
            "placed_from": (now - timedelta(days=6)).date().isoformat(),
            "placed_to": (now - timedelta(days=4)).date().isoformat(),
        },
    )
    only_end = staff_client.get(
        LIST, {"placed_to": (now - timedelta(days=5)).date().isoformat()}
    )

    assert rows(response) == [middle.pk]
    assert rows(only_end) == [middle.pk, old.pk]
    assert recent.pk not in rows(only_end)


def test_order_list_date_range_backwards_is_an_error(staff_client):
    OrderFactory()

    response = staff_client.get(
        LIST, {"placed_from": "2030-02-01", "placed_to": "2030-01-01"}
    )

    assert response.status_code == 200
    assert "The end date is before the start date" in response.content.decode()
    assert rows(response) == []


def test_order_list_searches_customer_by_name_and_email(staff_client):
    ada = OrderFactory(
        customer=CustomerFactory(
            first_name="Ada", last_name="Lovelace", email="ada@engine.test"
        )
    )
    alan = OrderFactory(
        customer=CustomerFactory(
            first_name="Alan", last_name="Turing", email="alan@bletchley.test"
        )
    )

    by_name = staff_client.get(LIST, {"q": "ada love"})
    by_email = staff_client.get(LIST, {"q": "alan@bletchley"})

    assert rows(by_name) == [ada.pk]
    assert rows(by_email) == [alan.pk]


def test_order_list_query_count_is_constant(staff_client):
    OrderFactory.create_batch(2)
    staff_client.get(LIST)  # warms the session and content types

    with CaptureQueriesContext(connection) as few:
        staff_client.get(LIST)
    for _number in range(15):
        OrderFactory(customer=CustomerFactory())
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(LIST)

    assert len(rows(response)) == 17
    assert len(many) == len(few)


def test_customer_tab_query_count_is_constant(staff_client):
    customer = CustomerFactory()
    url = reverse("selling:staff_customer_orders", args=[customer.pk])
    OrderFactory(customer=customer)
    staff_client.get(url)

    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    OrderFactory.create_batch(10, customer=customer)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(url)

    assert len(many) == len(few)


# --- The order page ---


def test_order_page_shows_lines_amounts_and_customer(staff_client, discounted_order):
    order = discounted_order

    response = staff_client.get(order_url(order))

    html = response.content.decode()
    assert response.status_code == 200
    assert order.number in html
    assert order.lines.get().product_name in html
    assert reverse("customers:card", args=[order.customer_id]) in html
    assert "100.00" in html and "30.00" in html and "70.00" in html
    assert "Pending payment" in html
    assert "Bank transfer" in html


def test_order_page_hides_actions_from_staff_group(staff_client, discounted_order):
    html = staff_client.get(order_url(discounted_order)).content.decode()

    assert order_url(discounted_order, "staff_order_mark_paid") not in html
    assert order_url(discounted_order, "staff_order_cancel") not in html


def test_order_page_shows_pending_actions_to_manager(manager_client, discounted_order):
    html = manager_client.get(order_url(discounted_order)).content.decode()

    assert order_url(discounted_order, "staff_order_mark_paid") in html
    assert order_url(discounted_order, "staff_order_cancel") in html
    assert order_url(discounted_order, "staff_order_refund") not in html


def test_order_page_unknown_is_404(staff_client):
    assert (
        staff_client.get(reverse("selling:staff_order", args=[999999])).status_code
        == 404
    )


# --- Actions: permissions and method ---


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("staff_order_mark_paid", {"payment_reference": "TRN-1"}),
        ("staff_order_cancel", {"reason": "asked"}),
    ],
)
def test_actions_refused_to_staff_group(staff_client, discounted_order, name, data):
    response = staff_client.post(order_url(discounted_order, name), data)

    assert response.status_code == 403
    discounted_order.refresh_from_db()
    assert discounted_order.status == Order.Status.PENDING
    assert figures(discounted_order.customer) == (D("50.00"), D("30.00"))


def test_actions_are_post_only(manager_client, discounted_order):
    response = manager_client.get(order_url(discounted_order, "staff_order_mark_paid"))

    assert response.status_code == 405
    discounted_order.refresh_from_db()
    assert discounted_order.status == Order.Status.PENDING


def test_action_on_unknown_order_is_404(manager_client):
    url = reverse("selling:staff_order_mark_paid", args=[999999])

    assert manager_client.post(url, {"payment_reference": "x"}).status_code == 404


# --- Mark paid ---


def test_mark_paid_spends_the_discount_and_says_so(
    manager_client, manager_user, discounted_order
):
    order = discounted_order
    customer = order.customer

    response = act(
        manager_client, order, "staff_order_mark_paid", {"payment_reference": "TRN-42"}
    )

    assert response.redirect_chain == [(order_url(order), 302)]
    assert flash(response) == ["The order was marked as paid."]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.payment_reference == "TRN-42"
    assert order.paid_at is not None
    assert figures(customer) == (D("20.00"), D("0.00"))
    checkout_entry = Entry.objects.get(customer=customer, amount=D("-30.00"))
    assert checkout_entry.author_user_id == manager_user.pk
    assert Hold.objects.get(pk=order.balance_hold_id).status == Hold.Status.POSTED
    assert_ledger_consistent(customer)
    page = response.content.decode()
    assert "TRN-42" in page
    assert 'data-testid="order-status">Paid<' in page


def test_mark_paid_twice_says_already_paid_and_changes_nothing(
    manager_client, discounted_order
):
    order = discounted_order
    url = order_url(order, "staff_order_mark_paid")
    manager_client.post(url, {"payment_reference": "TRN-1"}, follow=True)
    order.refresh_from_db()
    first_paid_at = order.paid_at

    response = manager_client.post(url, {"payment_reference": "TRN-2"}, follow=True)

    assert response.redirect_chain == [(order_url(order), 302)]
    assert flash(response) == ["This order was already paid: nothing changed."]
    order.refresh_from_db()
    assert order.payment_reference == "TRN-1"
    assert order.paid_at == first_paid_at
    assert Entry.objects.filter(customer=order.customer).count() == 2
    assert figures(order.customer) == (D("20.00"), D("0.00"))


def test_mark_paid_without_reference_is_a_form_error(manager_client, discounted_order):
    response = act(
        manager_client,
        discounted_order,
        "staff_order_mark_paid",
        {"payment_reference": " "},
    )

    assert response.status_code == 400
    assert response.context["mark_paid_form"].errors["payment_reference"]
    assert 'class="field-error"' in response.content.decode()
    discounted_order.refresh_from_db()
    assert discounted_order.status == Order.Status.PENDING
    assert figures(discounted_order.customer) == (D("50.00"), D("30.00"))


def test_mark_paid_refused_when_balance_no_longer_covers_discount(
    manager_client, discounted_order
):
    order = discounted_order
    customer = order.customer
    balance_debit(
        customer_id=customer.pk, amount=D("40.00"), author=STAFF, idempotency_key=key()
    )

    response = act(
        manager_client, order, "staff_order_mark_paid", {"payment_reference": "TRN-7"}
    )

    [message] = flash(response)
    assert "no longer covers the discount" in message
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.payment_reference == ""
    assert figures(customer) == (D("10.00"), D("30.00"))
    assert_ledger_consistent(customer)


def test_mark_paid_refused_for_a_cancelled_order(manager_client):
    order = OrderFactory(status=Order.Status.CANCELLED)

    response = act(
        manager_client, order, "staff_order_mark_paid", {"payment_reference": "TRN-1"}
    )

    assert flash(response) == ["This order is cancelled: it cannot be paid."]
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.payment_reference == ""


# --- Cancel ---


def test_cancel_releases_the_hold(manager_client, discounted_order):
    order = discounted_order

    response = act(
        manager_client, order, "staff_order_cancel", {"reason": "Customer changed mind"}
    )

    assert flash(response) == ["The order was cancelled."]
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.cancel_reason == "Customer changed mind"
    assert order.cancelled_at is not None
    assert figures(order.customer) == (D("50.00"), D("0.00"))
    assert Hold.objects.get(pk=order.balance_hold_id).status == Hold.Status.RELEASED
    assert_ledger_consistent(order.customer)
    page = response.content.decode()
    assert "Customer changed mind" in page
    assert order_url(order, "staff_order_mark_paid") not in page


def test_cancel_without_reason_is_a_form_error(manager_client, discounted_order):
    response = act(
        manager_client, discounted_order, "staff_order_cancel", {"reason": ""}
    )

    assert response.status_code == 400
    assert response.context["cancel_form"].errors["reason"]
    discounted_order.refresh_from_db()
    assert discounted_order.status == Order.Status.PENDING


def test_cancel_twice_says_already_cancelled(manager_client, discounted_order):
    url = order_url(discounted_order, "staff_order_cancel")
    manager_client.post(url, {"reason": "first"}, follow=True)

    response = manager_client.post(url, {"reason": "second"}, follow=True)

    assert flash(response) == ["This order was already cancelled: nothing changed."]
    discounted_order.refresh_from_db()
    assert discounted_order.cancel_reason == "first"


def test_cancel_of_a_paid_order_is_refused(manager_client, discounted_order):
    order = discounted_order
    act(manager_client, order, "staff_order_mark_paid", {"payment_reference": "TRN-1"})

    response = act(manager_client, order, "staff_order_cancel", {"reason": "too late"})

    assert flash(response) == [
        "Only a pending order can be cancelled; a paid one is refunded."
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.cancel_reason == ""
    assert figures(order.customer) == (D("20.00"), D("0.00"))


# --- Refund ---


def test_refund_credits_the_discount_back(manager_client, discounted_order):
    order = discounted_order
    act(manager_client, order, "staff_order_mark_paid", {"payment_reference": "TRN-1"})
    page = manager_client.get(order_url(order)).content.decode()

    response = act(
        manager_client, order, "staff_order_refund", {"reason": "Faulty service"}
    )

    assert order_url(order, "staff_order_refund") in page
    assert flash(response) == ["The order was refunded."]
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.cancel_reason == "Faulty service"
    assert order.refunded_at is not None
    assert figures(order.customer) == (D("50.00"), D("0.00"))
    assert Entry.objects.filter(
        customer=order.customer, kind=Entry.Kind.REFUND, amount=D("30.00")
    ).exists()
    assert_ledger_consistent(order.customer)


def test_refund_twice_credits_once(manager_client, discounted_order):
    order = discounted_order
    act(manager_client, order, "staff_order_mark_paid", {"payment_reference": "TRN-1"})
    url = order_url(order, "staff_order_refund")
    manager_client.post(url, {"reason": "first"}, follow=True)

    response = manager_client.post(url, {"reason": "second"}, follow=True)

    assert flash(response) == ["This order was already refunded: nothing changed."]
    assert figures(order.customer) == (D("50.00"), D("0.00"))
    assert (
        Entry.objects.filter(customer=order.customer, kind=Entry.Kind.REFUND).count()
        == 1
    )


def test_refund_of_a_pending_order_is_refused(manager_client, discounted_order):
    response = act(
        manager_client, discounted_order, "staff_order_refund", {"reason": "why not"}
    )

    assert flash(response) == ["Only a paid order can be refunded."]
    discounted_order.refresh_from_db()
    assert discounted_order.status == Order.Status.PENDING
    assert figures(discounted_order.customer) == (D("50.00"), D("30.00"))


def test_refund_without_reason_is_a_form_error(manager_client):
    order = OrderFactory(status=Order.Status.PAID)

    response = act(manager_client, order, "staff_order_refund", {})

    assert response.status_code == 400
    assert response.context["refund_form"].errors["reason"]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
