"""A paid order renews the expirations it pays for, or creates one; each line once."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from expirations.models import Expiration, ExpirationEvent
from expirations.services.renewal import order_paid_apply
from selling.models import Order, OrderLine, Product
from selling.services import cart_add, order_confirm_payment, order_place
from selling.signals import order_paid
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import (
    ExpirationFactory,
    ProductFactory,
    ServiceProductFactory,
)

pytestmark = pytest.mark.django_db

Kind = ExpirationEvent.Kind


def place(customer, *lines) -> Order:
    """Places an order through the cart: ``lines`` are (product, quantity, renews)."""
    for product, quantity, renews in lines:
        cart_add(
            customer=customer, product_id=product.pk, quantity=quantity, renews=renews
        )
    return order_place(
        customer=customer,
        payment_method="bank_transfer",
        idempotency_key=str(uuid4()),
    )


def pay(order: Order, when: datetime | None = None) -> Order:
    if when is None:
        return order_confirm_payment(order_id=order.pk)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        return order_confirm_payment(order_id=order.pk)


def at(day: date) -> datetime:
    """Noon of ``day`` in the business time zone."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12, 0))


def test_renewal_before_expiry_moves_from_the_current_expiry():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="years")
    expiration = ExpirationFactory(
        product=product, expiry_date=date(2026, 3, 31), anchor_day=31
    )
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))

    pay(order, at(date(2026, 3, 10)))

    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2027, 3, 31)
    assert expiration.renewal_count == 1
    assert expiration.last_renewed_on == date(2026, 3, 10)
    assert expiration.anchor_day == 31
    event = ExpirationEvent.objects.get(expiration=expiration, kind=Kind.RENEWED)
    assert event.order_line_id == order.lines.get().pk
    assert event.previous_expiry_date == date(2026, 3, 31)
    assert event.expiry_date == date(2027, 3, 31)
    assert event.customer_id == expiration.customer_id


def test_renewal_on_the_expiry_day_still_counts_from_the_expiry():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="months")
    expiration = ExpirationFactory(
        product=product, expiry_date=date(2026, 1, 31), anchor_day=31
    )
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))

    pay(order, at(date(2026, 1, 31)))

    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2026, 2, 28)
    assert expiration.anchor_day == 31


def test_monthly_renewals_keep_the_anchor_day_through_february():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="months")
    expiration = ExpirationFactory(
        product=product, expiry_date=date(2026, 1, 31), anchor_day=31
    )
    for paid_on in (date(2026, 1, 20), date(2026, 2, 20)):
        order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
        pay(order, at(paid_on))
    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2026, 3, 31)
    assert expiration.renewal_count == 2


def test_renewal_after_expiry_restarts_from_the_payment_date():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="months")
    expiration = ExpirationFactory(
        product=product, expiry_date=date(2026, 1, 31), anchor_day=31
    )
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))

    pay(order, at(date(2026, 2, 10)))

    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2026, 3, 10)
    assert expiration.anchor_day == 10
    assert expiration.last_renewed_on == date(2026, 2, 10)


def test_renewal_by_days_resets_the_anchor_to_the_new_day():
    product = ServiceProductFactory(renewal_period=30, renewal_unit="days")
    expiration = ExpirationFactory(
        product=product, expiry_date=date(2026, 1, 31), anchor_day=31
    )
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))

    pay(order, at(date(2026, 1, 25)))

    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2026, 3, 2)
    assert expiration.anchor_day == 2


def test_renewal_signal_delivered_twice_renews_once():
    product = ServiceProductFactory()
    expiration = ExpirationFactory(product=product)
    expiry = expiration.expiry_date
    order = pay(place(expiration.customer, (product, 1, ("expiration", expiration.pk))))
    expiration.refresh_from_db()
    renewed_to = expiration.expiry_date
    assert renewed_to > expiry

    order_paid.send(sender=Order, order=order)
    order_paid.send(sender=Order, order=order)
    order_confirm_payment(order_id=order.pk)

    expiration.refresh_from_db()
    assert expiration.expiry_date == renewed_to
    assert expiration.renewal_count == 1
    assert ExpirationEvent.objects.filter(kind=Kind.RENEWED).count() == 1


def test_first_purchase_of_a_renewable_product_creates_its_expiration():
    customer = CustomerFactory()
    service = ServiceProductFactory(
        renewal_period=1, renewal_unit="years", price=Decimal("99.00")
    )
    plain = ProductFactory()
    order = place(customer, (service, 2, None), (plain, 1, None))

    order = pay(order, at(date(2026, 5, 31)))
    order_paid.send(sender=Order, order=order)

    expiration = Expiration.objects.get(customer=customer)
    assert expiration.product == service
    assert expiration.quantity == 2
    assert expiration.amount == Decimal("198.00")
    assert expiration.start_date == date(2026, 5, 31)
    assert expiration.expiry_date == date(2027, 5, 31)
    assert expiration.anchor_day == 31
    assert expiration.renewal_count == 0
    created = ExpirationEvent.objects.get(kind=Kind.CREATED)
    line = order.lines.get(product=service)
    assert created.order_line_id == line.pk
    assert created.expiration == expiration


def test_renewal_of_another_customers_expiration_is_not_applied_to_it():
    product = ServiceProductFactory()
    someone_elses = ExpirationFactory(product=product)
    expiry = someone_elses.expiry_date
    customer = CustomerFactory()
    # A crafted line (cart_add through the service checks the owner first).
    order = place(customer, (product, 1, ("expiration", someone_elses.pk)))

    pay(order)

    someone_elses.refresh_from_db()
    assert someone_elses.expiry_date == expiry
    assert someone_elses.renewal_count == 0
    # The customer paid for a period: they get their own expiration.
    assert Expiration.objects.filter(customer=customer, product=product).count() == 1


def test_renewal_line_of_a_product_without_period_changes_nothing():
    service = ServiceProductFactory()
    expiration = ExpirationFactory(product=service)
    expiry = expiration.expiry_date
    order = place(expiration.customer, (service, 1, ("expiration", expiration.pk)))
    Product.objects.filter(pk=service.pk).update(renewal_period=None, renewal_unit="")

    pay(order)

    expiration.refresh_from_db()
    assert expiration.expiry_date == expiry
    assert not ExpirationEvent.objects.exists()


def test_renewal_lines_of_other_types_are_left_alone():
    service = ServiceProductFactory()
    customer = CustomerFactory()
    order = place(customer, (service, 1, ("subscription", 7)))
    pay(order)
    assert not Expiration.objects.exists()


def test_unpaid_order_is_refused():
    order = place(CustomerFactory(), (ServiceProductFactory(), 1, None))
    with pytest.raises(ValidationError):
        order_paid_apply(order=order)
    assert not Expiration.objects.exists()


def test_renewal_reactivates_a_cancelled_expiration_it_paid_for():
    product = ServiceProductFactory()
    expiration = ExpirationFactory(product=product)
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
    Expiration.objects.filter(pk=expiration.pk).update(is_cancelled=True)

    pay(order)

    expiration.refresh_from_db()
    assert not expiration.is_cancelled
    assert expiration.renewal_count == 1


def test_quantity_of_a_renewal_line_multiplies_the_period():
    product = ServiceProductFactory(renewal_period=1, renewal_unit="years")
    expiration = ExpirationFactory(product=product, expiry_date=date(2030, 6, 15))
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
    OrderLine.objects.filter(order=order).update(quantity=3)

    pay(order, at(date(2030, 6, 1)))

    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2033, 6, 15)


def test_renewal_rearms_the_reminders_for_the_new_date():
    from expirations.services.jobs import expirations_run_due

    today = timezone.localdate()
    product = ServiceProductFactory(renewal_period=1, renewal_unit="months")
    expiration = ExpirationFactory(
        product=product, expiry_date=today + timedelta(days=7)
    )
    assert expirations_run_due(today).reminders_sent == 1
    order = place(expiration.customer, (product, 1, ("expiration", expiration.pk)))
    pay(order)
    expiration.refresh_from_db()

    # Seven days before the new expiry date the reminder goes out again.
    later = expiration.expiry_date - timedelta(days=7)
    report = expirations_run_due(later)
    assert report.per_offset[7] == 1
    assert ExpirationEvent.objects.filter(
        expiration=expiration,
        kind=Kind.REMINDER_SENT,
        expiry_date=expiration.expiry_date,
        offset_days=7,
    ).exists()
