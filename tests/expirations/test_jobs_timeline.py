"""Renewals, reminders and expiries in the customer's timeline."""

from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from django.utils import timezone

from core import plugins
from expirations.services.jobs import expirations_run_due
from expirations.timeline import expiration_timeline_source
from selling.services import cart_add, order_confirm_payment, order_place
from tests.expirations.factories import (
    ExpirationEventFactory,
    ExpirationFactory,
    ServiceProductFactory,
)

# The embedded default runs this too: make test-sqlite runs it on SQLite.
pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

D = date(2026, 6, 30)


def test_timeline_source_is_registered():
    source = plugins.timeline_sources.get("expirations")
    assert source is not None
    assert source.permission == "expirations.view_expiration"


def test_timeline_shows_reminders_expiries_and_renewals_not_skips():
    product = ServiceProductFactory(name="Hosting", renewal_unit="years")
    expiration = ExpirationFactory(product=product, expiry_date=D)
    customer = expiration.customer
    ExpirationEventFactory(expiration=expiration, kind="created")
    expirations_run_due(D - timedelta(days=1))  # 1-day reminder; 30 and 7 skipped
    expirations_run_due(D + timedelta(days=1))  # expired
    cart_add(
        customer=customer, product_id=product.pk, renews=("expiration", expiration.pk)
    )
    order = order_place(
        customer=customer, payment_method="bank_transfer", idempotency_key=str(uuid4())
    )
    order_confirm_payment(order_id=order.pk)
    ExpirationFactory(item="Not mine")

    events = list(expiration_timeline_source(customer))

    kinds = sorted(event.kind for event in events)
    assert kinds == ["created", "expired", "reminder_sent", "renewed"]
    titles = {event.kind: event.title for event in events}
    assert titles["reminder_sent"] == (
        "Reminder sent: Hosting, expiry 06/30/2026 (1 day before)"
    )
    assert titles["expired"] == "Expired: Hosting on 06/30/2026"
    assert titles["renewed"].startswith("Renewed: Hosting, now expires ")
    assert titles["renewed"].endswith("(was 06/30/2026)")
    assert {event.source for event in events} == {"expirations"}
    assert all(
        event.url.endswith(f"/staff/customers/{customer.pk}/expirations/")
        for event in events
    )


def test_timeline_filters_by_kind_and_time():
    expiration = ExpirationFactory(expiry_date=D)
    expirations_run_due(D - timedelta(days=7))
    expirations_run_due(D + timedelta(days=1))
    customer = expiration.customer

    only_expired = list(expiration_timeline_source(customer, kinds=["expired"]))
    assert [event.kind for event in only_expired] == ["expired"]
    future = timezone.now() + timedelta(days=1)
    assert list(expiration_timeline_source(customer, since=future)) == []
    past = timezone.make_aware(datetime(2000, 1, 1))
    assert list(expiration_timeline_source(customer, until=past)) == []
    assert len(list(expiration_timeline_source(customer, limit=1))) == 1
