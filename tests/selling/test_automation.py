"""The shop's funnel triggers ("order paid", "order refunded") and its condition."""

import pytest
from django.db import transaction
from django.urls import reverse

from core import plugins
from core.plugins import AutomationContext
from selling.models import Order
from selling.services import order_confirm_payment, order_refund
from tests.core.automation_support import events_committed, events_sent
from tests.customers.factories import CustomerFactory
from tests.selling.support import place, product

pytestmark = pytest.mark.django_db


def test_marking_an_order_paid_on_its_page_fires_order_paid_once(client, manager_user):
    client.force_login(manager_user)
    first, second = product("10.00"), product("5.00")
    order = place(CustomerFactory(), items=[(first, 1), (second, 2), (first, 1)])
    url = reverse("selling:staff_order_mark_paid", args=[order.pk])
    with events_sent("order.paid") as sent:
        client.post(url, {"payment_reference": "TRN-1"})
        client.post(url, {"payment_reference": "TRN-1"})  # already paid
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    (event,) = sent
    assert event.customer_id == order.customer_id
    assert event.entry_key == f"order.paid:{order.pk}"
    assert event.payload == {
        "order_id": order.pk,
        "product_ids": sorted([first.pk, second.pk]),
        "total_due": "30.00",
    }


@pytest.mark.both_dbs
def test_order_refunded_fires_once_and_order_paid_rolls_back_with_the_payment(
    django_capture_on_commit_callbacks,
):
    order = place(CustomerFactory(), items=[(product("10.00"), 1)])
    with (
        events_committed() as committed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        with pytest.raises(RuntimeError), transaction.atomic():
            order_confirm_payment(order_id=order.pk)
            raise RuntimeError
        order_confirm_payment(order_id=order.pk)
        order_refund(order_id=order.pk, reason="asked")
        order_refund(order_id=order.pk, reason="asked")
    assert [(e.trigger, e.entry_key) for e in committed] == [
        ("order.paid", f"order.paid:{order.pk}"),
        ("order.refunded", f"order.refunded:{order.pk}"),
    ]


@pytest.mark.both_dbs
def test_the_order_triggers_match_an_optional_product():
    wanted = product()
    trigger = plugins.automation_triggers.get("order.paid")
    assert trigger.matches({"product": None}, {"product_ids": [3]})
    assert trigger.matches(
        {"product": wanted.pk}, {"product_ids": [wanted.pk + 1, wanted.pk]}
    )
    assert not trigger.matches({"product": wanted.pk}, {"product_ids": [wanted.pk + 1]})
    form = trigger.form_class({"product": wanted.pk})
    assert form.is_valid() and form.cleaned_data == {"product": wanted.pk}
    assert trigger.form_class({}).is_valid()
    assert not trigger.form_class({"product": "999999"}).is_valid()


@pytest.mark.both_dbs
def test_the_paid_orders_condition_counts_paid_orders_only():
    customer = CustomerFactory()
    paid = place(customer, items=[(product("10.00"), 1)])
    order_confirm_payment(order_id=paid.pk)
    place(customer, items=[(product("10.00"), 1)])  # pending: not counted
    refunded = place(customer, items=[(product("10.00"), 1)])
    order_confirm_payment(order_id=refunded.pk)
    order_refund(order_id=refunded.pk)
    condition = plugins.automation_conditions.get("selling.orders_count")
    context = AutomationContext()
    assert condition.test(customer, {"comparison": "at_least", "count": 1}, context)
    assert not condition.test(customer, {"comparison": "at_least", "count": 2}, context)
    assert condition.test(customer, {"comparison": "fewer_than", "count": 2}, context)
    assert not condition.form_class({"comparison": "at_least", "count": -1}).is_valid()
    assert not condition.form_class({"comparison": "most", "count": 1}).is_valid()
