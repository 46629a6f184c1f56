"""The outbox: rows written in the event's transaction, once per event, in one
insert per batch, and nothing at all when nobody is subscribed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from balance.services import Author, CreditRequest, balance_credit, balance_credit_many
from core.events import Event, events_publish, events_wanted
from customers.services import customer_create
from tests.customers.factories import CustomerFactory
from tests.webhooks.support import subscribe
from webhooks.models import Delivery, Subscription
from webhooks.services import subscription_disable, subscription_update

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"


def _webhook_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if "webhooks_" in query["sql"]]


def test_the_same_event_twice_makes_one_delivery():
    subscribe(URL, ["order.paid"])
    event = Event("order.paid", key="order.paid:1", data={"order_id": 1})
    events_publish([event])
    events_publish([Event("order.paid", key="order.paid:1", data={"order_id": 1})])
    delivery = Delivery.objects.get()
    assert delivery.event_id == event.event_id
    assert delivery.payload["id"] == event.event_id
    assert delivery.payload["data"] == {"order_id": 1}


def test_a_credit_replayed_with_its_key_makes_one_delivery():
    subscribe(URL, ["entry.posted"])
    customer = CustomerFactory()
    for _ in range(2):
        balance_credit(
            customer_id=customer.pk,
            amount=Decimal("5.00"),
            author=Author.system("test"),
            idempotency_key="same",
        )
    assert Delivery.objects.count() == 1


def test_an_event_in_a_rolled_back_transaction_leaves_no_delivery():
    subscribe(URL, ["entry.posted", "customer.created"])
    customer = CustomerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        balance_credit.in_transaction(
            customer_id=customer.pk,
            amount=Decimal("5.00"),
            author=Author.system("test"),
            idempotency_key="k",
        )
        customer_create(email="new@example.com", first_name="New")
        assert Delivery.objects.count() == 2
        raise RuntimeError
    assert not Delivery.objects.exists()


def test_a_batch_of_credits_is_one_insert_of_deliveries():
    subscribe(URL, ["entry.posted"])
    subscribe("http://127.0.0.1:10/other", ["entry.posted", "order.paid"])
    customers = CustomerFactory.create_batch(5)
    with CaptureQueriesContext(connection) as queries:
        results = balance_credit_many(
            credits=[
                CreditRequest(customer.pk, Decimal("1.00"), f"funnel:{customer.pk}")
                for customer in customers
            ],
            author=Author.system("funnel"),
        )
    inserts = [
        sql
        for sql in _webhook_queries(queries.captured_queries)
        if sql.startswith("INSERT")
    ]
    assert len(inserts) == 1
    assert Delivery.objects.count() == 10
    entry_ids = {
        delivery.payload["data"]["entry_id"] for delivery in Delivery.objects.all()
    }
    assert entry_ids == {entry.pk for entry, _created in results}


def test_nobody_subscribed_costs_no_query():
    subscribe(URL, ["order.paid"])  # another event only
    customers = CustomerFactory.create_batch(3)
    assert not events_wanted("entry.posted")  # warms the cache
    with CaptureQueriesContext(connection) as queries:
        balance_credit_many(
            credits=[
                CreditRequest(customer.pk, Decimal("1.00"), f"k{customer.pk}")
                for customer in customers
            ],
            author=Author.system("funnel"),
        )
        customer_create(email="quiet@example.com", first_name="Q")
    assert _webhook_queries(queries.captured_queries) == []
    assert not Delivery.objects.exists()


def test_the_cached_types_follow_the_subscriptions(django_user_model):
    assert not events_wanted("order.paid")
    created = subscribe(URL, ["order.paid"])
    assert events_wanted("order.paid")
    subscription_update(
        subscription_id=created.subscription.pk, url=URL, events=["order.refunded"]
    )
    assert not events_wanted("order.paid") and events_wanted("order.refunded")
    user = django_user_model.objects.create_user("m@example.com", "pw")
    subscription_disable(subscription_id=created.subscription.pk, user=user)
    assert not events_wanted("order.refunded")


def test_a_trigger_is_delivered_once_with_the_owners_data():
    subscribe(URL, ["customer.created"])
    customer = customer_create(email="hello@example.com", first_name="Hello")
    # One delivery: the app's event, not also the funnel trigger's payload.
    delivery = Delivery.objects.get()
    assert delivery.event_type == "customer.created"
    data = delivery.payload["data"]
    assert (data["customer_id"], data["source"]) == (customer.pk, "staff")
    assert (data["email"], data["first_name"]) == ("hello@example.com", "Hello")
    assert delivery.payload["type"] == "customer.created"
    assert set(delivery.payload) == {"id", "type", "created", "data"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://10.1.2.3/hook", "private or local address (10.1.2.3)"),
        ("https://127.0.0.1:8443/hook", "private or local address (127.0.0.1)"),
        ("https://169.254.169.254/latest", "private or local address"),
        ("https://[::1]/hook", "private or local address (::1)"),
        ("https://[::ffff:192.168.0.1]/", "private or local address"),
        ("https://0.0.0.0/", "private or local address"),
        ("http://example.com/hook", "must start with https://"),
        ("ftp://example.com/", "full URL starting with https://"),
        ("https://user:pw@example.com/", "user name and password"),
    ],
)
def test_a_url_that_may_not_be_used_is_refused(settings, url, message):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError) as caught:
        subscribe(url, ["order.paid"])
    assert message in " ".join(caught.value.message_dict["url"])
    assert not Subscription.objects.exists()


def test_unknown_or_no_events_are_refused():
    with pytest.raises(ValidationError) as caught:
        subscribe(URL, ["order.stolen"])
    assert "Unknown event: order.stolen." in caught.value.message_dict["events"]
    with pytest.raises(ValidationError) as caught:
        subscribe(URL, [])
    assert caught.value.message_dict["events"] == ["Pick at least one event."]
    assert not Subscription.objects.exists()


def test_one_send_task_per_transaction(django_capture_on_commit_callbacks):
    subscribe(URL, ["order.paid"])
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(3):
            events_publish([Event("order.paid", key=f"o{n}", data={})])
    assert Delivery.objects.count() == 3
    assert len(callbacks) == 1
