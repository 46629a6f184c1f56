"""Commission amounts and rules: what the customer paid, the balance part, the
products' own commissions, rounding, first order or the first months."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.models import Commission, CommissionType, ProductCommission
from referrals.services import commission_on_order_paid
from referrals.services.commissions import months_after
from selling.models import Order
from tests.balance.support import credit
from tests.customers.factories import CustomerFactory
from tests.referrals.support import D, pay, place, refer, rules
from tests.selling.factories import ProductFactory
from tests.selling.support import checkout_with_balance_enabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    referrer, referred = CustomerFactory(), CustomerFactory()
    refer(referred, referrer)
    return referrer, referred


def test_percentage_of_what_was_paid_rounded_half_up(pair):
    _referrer, referred = pair
    rules(commission_percent=D("2.50"))
    order = pay(place(referred, (ProductFactory(price=D("10.10")), 1)))
    # 2.5 % of 10.10 = 0.2525 → 0.25; of 10.30 = 0.2575 → 0.26
    assert Commission.objects.get(order=order).amount == D("0.25")
    rules(scope="months")
    order = pay(place(referred, (ProductFactory(price=D("10.30")), 1)))
    assert Commission.objects.get(order=order).amount == D("0.26")


def test_the_part_paid_with_the_balance_is_left_out_when_set(pair):
    _referrer, referred = pair
    checkout_with_balance_enabled()
    credit(referred, "40.00")
    referred.refresh_from_db()
    rules(commission_percent=D("10.00"), exclude_balance=True)
    order = pay(
        place(referred, (ProductFactory(price=D("100.00")), 1), discount="40.00")
    )
    commission = Commission.objects.get(order=order)
    assert commission.base_amount == D("60.00")
    assert commission.amount == D("6.00")


def test_the_balance_part_counts_when_the_setting_is_off(pair):
    _referrer, referred = pair
    checkout_with_balance_enabled()
    credit(referred, "40.00")
    referred.refresh_from_db()
    rules(commission_percent=D("10.00"), exclude_balance=False)
    order = pay(
        place(referred, (ProductFactory(price=D("100.00")), 1), discount="40.00")
    )
    assert Commission.objects.get(order=order).amount == D("10.00")


def test_products_own_commission_and_the_fixed_amount(pair):
    _referrer, referred = pair
    rules(commission_type=CommissionType.FIXED, commission_fixed=D("5.00"))
    special = ProductFactory(price=D("200.00"))
    per_unit = ProductFactory(price=D("30.00"))
    plain = ProductFactory(price=D("10.00"))
    ProductCommission.objects.create(
        product=special, commission_type=CommissionType.PERCENT, value=D("15")
    )
    ProductCommission.objects.create(
        product=per_unit, commission_type=CommissionType.FIXED, value=D("1.50")
    )
    order = pay(place(referred, (special, 1), (per_unit, 2), (plain, 3)))
    # 15 % of 200 + 2 × 1.50 + the fixed 5.00 once for the other lines
    assert Commission.objects.get(order=order).amount == D("38.00")


def test_first_order_only_by_default(pair):
    _referrer, referred = pair
    first = pay(place(referred, (ProductFactory(price=D("50.00")), 1)))
    second = pay(place(referred, (ProductFactory(price=D("50.00")), 1)))
    assert Commission.objects.filter(order=first).exists()
    assert not Commission.objects.filter(order=second).exists()


def test_every_order_in_the_first_months(pair, monkeypatch):
    _referrer, referred = pair
    rules(scope="months", scope_months=2)
    first = pay(place(referred, (ProductFactory(), 1)))
    later = place(referred, (ProductFactory(), 1))
    moment = timezone.now() + timedelta(days=70)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    pay(later)
    assert Commission.objects.filter(order=first).exists()
    assert not Commission.objects.filter(order=later).exists()


def test_a_customer_nobody_referred_earns_nobody_anything():
    order = pay(place(CustomerFactory(), (ProductFactory(), 1)))
    assert order.status == Order.Status.PAID
    assert not Commission.objects.exists()


def test_a_zero_commission_is_not_recorded(pair):
    _referrer, referred = pair
    rules(commission_percent=D("0"))
    pay(place(referred, (ProductFactory(), 1)))
    assert not Commission.objects.exists()


def test_a_second_delivery_of_order_paid_creates_nothing(pair):
    _referrer, referred = pair
    order = pay(place(referred, (ProductFactory(price=D("20.00")), 1)))
    again = commission_on_order_paid(order=order)
    assert Commission.objects.get() == again


def test_available_at_is_paid_at_plus_the_window(pair):
    _referrer, referred = pair
    rules(refund_window_days=14)
    order = pay(place(referred, (ProductFactory(), 1)))
    commission = Commission.objects.get(order=order)
    assert commission.available_at == order.paid_at + timedelta(days=14)


def test_months_after_keeps_the_day_or_takes_the_months_last():
    start = timezone.now().replace(year=2026, month=1, day=31)
    assert months_after(start, 1).day == 28
    assert months_after(start, 13).month == 2
    assert months_after(start, 13).year == 2027
