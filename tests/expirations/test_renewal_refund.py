"""A refunded order takes back what it did to expirations; each line once."""

from datetime import date

import pytest

from expirations.models import Expiration, ExpirationEvent
from selling.services import order_refund
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory
from tests.expirations.test_renewal_payment import at, pay, place

pytestmark = pytest.mark.django_db

Kind = ExpirationEvent.Kind


def test_refunding_a_renewal_puts_the_expiry_back_once():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="years")
    expiration = ExpirationFactory(
        product=product, expiry_date=date(2026, 3, 31), anchor_day=31
    )
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
    pay(order, at(date(2026, 3, 10)))

    order_refund(order_id=order.pk, reason="Not wanted")
    order_refund(order_id=order.pk, reason="twice")

    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2026, 3, 31)
    assert expiration.renewal_count == 0
    assert expiration.anchor_day == 31
    event = ExpirationEvent.objects.get(expiration=expiration, kind=Kind.REFUNDED)
    assert event.order_line_id == order.lines.get().pk
    assert event.previous_expiry_date == date(2027, 3, 31)
    assert "renewal is taken back" in event.note


def test_a_renewal_refunded_after_a_later_renewal_leaves_the_expiry_and_says_so():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="years")
    expiration = ExpirationFactory(product=product, expiry_date=date(2026, 3, 31))
    first = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
    pay(first, at(date(2026, 3, 10)))
    second = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
    pay(second, at(date(2026, 3, 12)))

    order_refund(order_id=first.pk, reason="Paid twice")

    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2028, 3, 31)
    event = ExpirationEvent.objects.get(expiration=expiration, kind=Kind.REFUNDED)
    assert "check it" in event.note


def test_refunding_a_first_purchase_cancels_the_expiration_it_created(customer):
    product = ServiceProductFactory(renewal_period=1, renewal_unit="months")
    order = place(customer, (product, 1, None))
    pay(order, at(date(2026, 1, 31)))
    expiration = Expiration.objects.get(customer=customer)
    assert not expiration.is_cancelled

    order_refund(order_id=order.pk)

    expiration.refresh_from_db()
    assert expiration.is_cancelled
    assert ExpirationEvent.objects.filter(kind=Kind.REFUNDED).count() == 1
