"""The customer list's "Call date" column: the customer's last call, stored on the
customer by the history's action services, shown and sorted without a subquery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, CustomerAction
from customers.services import history
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/staff/customers/"


def call(customer, days_ago, kind=CustomerAction.Kind.CALL):
    """An action logged through the history's service, moved ``days_ago`` back."""
    action = history.action_create(
        customer=customer, actor=None, title="Call", kind=kind
    )
    moment = timezone.now() - timedelta(days=days_ago)
    CustomerAction.objects.filter(pk=action.pk).update(created_at=moment)
    with transaction.atomic():
        history.customer_last_call_refresh(customer_id=customer.pk)
    return moment


def call_dates(client, **params):
    response = client.get(LIST_URL, params)
    return {
        row.record.last_name: row.record.list_call_date
        for row in response.context["table"].page.object_list
    }


def order(client, sort):
    response = client.get(LIST_URL, {"sort": sort})
    return [row.record.last_name for row in response.context["table"].page.object_list]


def test_call_date_column_shows_last_call(staff_client):
    customer = CustomerFactory(last_name="Called")
    call(customer, days_ago=30)
    latest = call(customer, days_ago=2)
    call(customer, days_ago=1, kind=CustomerAction.Kind.MEETING)
    CustomerFactory(last_name="Never")

    response = staff_client.get(LIST_URL)

    table = response.context["table"]
    assert "call_date" in [column.name for column in table.columns]
    assert "Call date" in response.content.decode()
    values = call_dates(staff_client)
    assert values["Called"] == latest
    assert values["Never"] is None


def test_call_date_follows_create_kind_change_and_delete(staff_client, staff_user):
    customer = CustomerFactory(last_name="Followed")
    assert call_dates(staff_client)["Followed"] is None

    action = history.action_create(
        customer=customer, actor=staff_user, title="Phoned", kind="call"
    )
    assert call_dates(staff_client)["Followed"] == action.created_at

    history.action_update(action=action, title="Met", kind="meeting")
    assert call_dates(staff_client)["Followed"] is None

    history.action_update(action=action, title="Phoned", kind="call")
    assert call_dates(staff_client)["Followed"] == action.created_at

    history.action_delete(action=action)
    assert call_dates(staff_client)["Followed"] is None


def test_call_date_sort_puts_never_called_last_both_ways(staff_client):
    old = CustomerFactory(last_name="Old")
    recent = CustomerFactory(last_name="Recent")
    CustomerFactory(last_name="Never")
    call(old, days_ago=20)
    call(recent, days_ago=1)

    assert order(staff_client, "call_date") == ["Old", "Recent", "Never"]
    assert order(staff_client, "-call_date") == ["Recent", "Old", "Never"]


def test_call_date_sort_breaks_ties_by_id_in_the_same_direction(staff_client):
    first = CustomerFactory(last_name="First")
    second = CustomerFactory(last_name="Second")
    CustomerFactory(last_name="Never one")
    CustomerFactory(last_name="Never two")
    moment = timezone.now() - timedelta(days=3)
    Customer.objects.filter(pk__in=[first.pk, second.pk]).update(last_call_at=moment)

    assert order(staff_client, "call_date") == [
        "First",
        "Second",
        "Never one",
        "Never two",
    ]
    assert order(staff_client, "-call_date") == [
        "Second",
        "First",
        "Never two",
        "Never one",
    ]


def test_call_date_list_query_reads_the_stored_field(staff_client):
    call(CustomerFactory(), days_ago=1)
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(LIST_URL, {"sort": "-call_date"})

    listing = [
        query["sql"]
        for query in queries.captured_queries
        if '"list_call_date"' in query["sql"]
    ]
    assert len(listing) == 1
    assert "customers_customeraction" not in listing[0]
    assert (
        'ORDER BY "customers_customer"."last_call_at" DESC NULLS LAST, '
        '"customers_customer"."id" DESC'
    ) in listing[0]


def test_call_date_column_no_n_plus_one(staff_client):
    for index in range(3):
        call(CustomerFactory(), days_ago=index)
    staff_client.get(LIST_URL)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(LIST_URL, {"sort": "-call_date"})

    for index in range(30):
        call(CustomerFactory(), days_ago=index)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(LIST_URL, {"sort": "-call_date"})

    assert len(response.context["table"].page.object_list) == 25
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Customer.objects.count() == 33
