"""The expirations' funnel triggers (expired, expiring, renewed), conditions and
shortcodes."""

from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation

from core import plugins
from core.plugins import AutomationContext
from core.shortcodes import shortcodes_render
from expirations.models import Expiration
from expirations.services.jobs import expirations_run_due
from selling.services import order_refund
from tests.core.automation_support import events_committed, events_sent
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory
from tests.expirations.test_renewal_payment import at, pay, place

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

TODAY = date(2026, 6, 1)


def noon(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12, 0))


def scan(params, when=TODAY):
    trigger = plugins.automation_triggers.get("expiration.expiring")
    return list(trigger.scan(params, noon(when)))


# --- expiration.expired ---


def test_the_daily_job_sends_expiration_expired_once_per_expiry_date(
    django_capture_on_commit_callbacks,
):
    product = ServiceProductFactory()
    expiration = ExpirationFactory(product=product, expiry_date=TODAY)
    with (
        events_committed("expiration.expired") as committed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        expirations_run_due(TODAY + timedelta(days=1))
        expirations_run_due(TODAY + timedelta(days=2))  # caught up: nothing new
    (event,) = committed
    assert event.customer_id == expiration.customer_id
    assert event.entry_key == f"expiration:{expiration.pk}:2026-06-01"
    assert event.payload == {
        "expiration_id": expiration.pk,
        "expiry_date": "2026-06-01",
        "product_id": product.pk,
    }


def test_the_expired_trigger_matches_an_optional_product():
    product = ServiceProductFactory()
    trigger = plugins.automation_triggers.get("expiration.expired")
    assert trigger.matches({"product": None}, {"product_id": None})
    assert trigger.matches({"product": product.pk}, {"product_id": product.pk})
    assert not trigger.matches({"product": product.pk}, {"product_id": None})


# --- expiration.expiring ---


def test_expiring_scan_finds_live_services_within_n_days_not_yet_passed():
    inside = ExpirationFactory(expiry_date=TODAY + timedelta(days=7))
    today = ExpirationFactory(expiry_date=TODAY)
    ExpirationFactory(expiry_date=TODAY + timedelta(days=8))  # not yet
    ExpirationFactory(expiry_date=TODAY - timedelta(days=1))  # passed: "expired"
    ExpirationFactory(expiry_date=TODAY + timedelta(days=3), is_cancelled=True)
    hits = scan({"days": 7})
    assert sorted((hit.customer_id, hit.entry_key) for hit in hits) == sorted(
        [
            (inside.customer_id, f"expiration:{inside.pk}:2026-06-08:expiring"),
            (today.customer_id, f"expiration:{today.pk}:2026-06-01:expiring"),
        ]
    )
    by_id = {hit.payload["expiration_id"]: hit.payload for hit in hits}
    assert by_id[inside.pk] == {
        "expiration_id": inside.pk,
        "expiry_date": "2026-06-08",
        "product_id": None,
    }


def test_expiring_scan_catches_up_after_downtime_and_a_renewal_rearms_it():
    expiration = ExpirationFactory(expiry_date=TODAY + timedelta(days=7))
    # Down on the day it came within 7 days: three days later it is still found.
    (late,) = scan({"days": 7}, when=TODAY + timedelta(days=3))
    assert late.entry_key == f"expiration:{expiration.pk}:2026-06-08:expiring"
    Expiration.objects.filter(pk=expiration.pk).update(
        expiry_date=TODAY + timedelta(days=372)
    )
    assert scan({"days": 7}) == []
    (next_year,) = scan({"days": 7}, when=TODAY + timedelta(days=366))
    assert next_year.entry_key == f"expiration:{expiration.pk}:2027-06-08:expiring"


def test_expiring_scan_filters_by_product():
    product = ServiceProductFactory()
    of_product = ExpirationFactory(product=product, expiry_date=TODAY)
    ExpirationFactory(expiry_date=TODAY)
    (hit,) = scan({"days": 1, "product": product.pk})
    assert hit.payload["expiration_id"] == of_product.pk


def test_expiring_scan_is_set_based(django_assert_max_num_queries):
    customers = CustomerFactory.create_batch(3)
    Expiration.objects.bulk_create(
        Expiration(
            customer=customers[index % 3],
            item=f"Item {index}",
            start_date=TODAY - timedelta(days=300),
            expiry_date=TODAY + timedelta(days=index % 30),
        )
        for index in range(2500)
    )
    with django_assert_max_num_queries(3):  # chunks of 2000: one cursor
        hits = scan({"days": 30})
    assert len(hits) == 2500
    assert len({hit.entry_key for hit in hits}) == 2500


def test_expiring_form_bounds_the_days():
    form_class = plugins.automation_triggers.get("expiration.expiring").form_class
    assert form_class({"days": "365"}).is_valid()
    for bad in ("0", "366", "-1", "x", ""):
        assert not form_class({"days": bad}).is_valid()


# --- expiration.renewed ---


def test_a_paid_renewal_sends_expiration_renewed_once_per_renewal():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="years")
    expiration = ExpirationFactory(
        product=product, expiry_date=date(2026, 3, 31), anchor_day=31
    )
    first = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
    with events_sent("expiration.renewed") as sent:
        pay(first, at(date(2026, 3, 10)))
        pay(first, at(date(2026, 3, 10)))  # confirmed twice
        second = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
        pay(second, at(date(2026, 3, 11)))
    line = first.lines.get()
    assert [e.entry_key for e in sent] == [
        f"expiration:{expiration.pk}:renewed:{line.pk}",
        f"expiration:{expiration.pk}:renewed:{second.lines.get().pk}",
    ]
    assert sent[0].payload == {
        "expiration_id": expiration.pk,
        "expiry_date": "2027-03-31",
        "product_id": product.pk,
        "previous_expiry_date": "2026-03-31",
        "order_id": first.pk,
    }


def test_expiration_renewed_rolls_back_with_the_payment(
    django_capture_on_commit_callbacks,
):
    product = ServiceProductFactory(renewal_period=1, renewal_unit="years")
    expiration = ExpirationFactory(product=product, expiry_date=TODAY)
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
    with (
        events_committed("expiration.renewed") as committed,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        pay(order)
        raise RuntimeError
    assert committed == []
    expiration.refresh_from_db()
    assert expiration.renewal_count == 0


def test_a_refund_fires_no_renewal():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="years")
    expiration = ExpirationFactory(product=product, expiry_date=TODAY)
    order = pay(place(expiration.customer, (product, 1, ("expiration", expiration.pk))))
    with events_sent("expiration.renewed") as sent:
        order_refund(order_id=order.pk)
    assert sent == []


# --- conditions ---


def test_conditions_active_and_expiring_services():
    customer = CustomerFactory()
    product = ServiceProductFactory()
    ExpirationFactory(
        customer=customer, product=product, expiry_date=TODAY + timedelta(days=20)
    )
    ExpirationFactory(customer=customer, expiry_date=TODAY - timedelta(days=1))
    context = AutomationContext(now=noon(TODAY))
    active = plugins.automation_conditions.get("expirations.has_active").test
    expiring = plugins.automation_conditions.get("expirations.has_expiring").test
    assert active(customer, {}, context)
    assert active(customer, {"product": product.pk}, context)
    assert not active(customer, {"product": ServiceProductFactory().pk}, context)
    assert not active(CustomerFactory(), {}, context)
    assert expiring(customer, {"days": 20}, context)
    assert not expiring(customer, {"days": 19}, context)
    later = AutomationContext(now=noon(TODAY + timedelta(days=21)))
    assert not active(customer, {}, later)


# --- shortcodes ---


@override_settings(SITE_URL="https://crm.example.com")
def test_shortcodes_speak_of_the_funnels_expiration_else_the_next_one():
    customer = CustomerFactory(first_name="Eva")
    product = ServiceProductFactory(name="Hosting")
    funnel_one = ExpirationFactory(
        customer=customer, product=product, expiry_date=date(2026, 9, 15)
    )
    ExpirationFactory(customer=customer, item="Domain", expiry_date=TODAY)
    stranger = ExpirationFactory(item="Not hers", expiry_date=TODAY)
    text = "{first_name}: {product} expires on {expiry_date}, renew at {renew_url}"
    entered = AutomationContext(
        now=noon(TODAY), payload={"expiration_id": funnel_one.pk}
    )
    with translation.override("it"):
        rendered = shortcodes_render(text, customer, entered)
    assert rendered == (
        "Eva: Hosting expires on 15 Settembre 2026, renew at "
        "https://crm.example.com/account/expirations/"
    )
    # Someone else's expiration in the payload is never shown: the next one is.
    other = AutomationContext(now=noon(TODAY), payload={"expiration_id": stranger.pk})
    assert shortcodes_render("{product}", customer, other) == "Domain"
    assert shortcodes_render("{product} {nope}", CustomerFactory(), other) == " {nope}"
