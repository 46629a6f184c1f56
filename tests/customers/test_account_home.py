"""The customer area's home page: the panels the modules add, and the menu's links."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from balance.models import BalanceSettings
from tests.balance.support import credit
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory
from tests.selling.factories import OrderFactory

pytestmark = pytest.mark.django_db

HOME = "/account/"


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def test_home_shows_balance_next_renewal_and_recent_orders(customer_client, customer):
    credit(customer, "42.50")
    later = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(20)
    )
    soonest = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(5)
    )
    orders = [OrderFactory(customer=customer) for _ in range(4)]

    content = customer_client.get(HOME).content.decode()

    assert 'data-testid="home-credits-available">42.50 EUR<' in content
    assert reverse("balance:account_credits") in content
    assert soonest.label in content
    assert later.label not in content
    assert reverse("expirations:account_renew", args=[soonest.pk]) in content
    for order in orders[1:]:
        assert reverse("selling:account_order", args=[order.pk]) in content
    assert reverse("selling:account_order", args=[orders[0].pk]) not in content
    assert reverse("selling:account_orders") in content
    # The menu's links stay.
    assert reverse("expirations:account_list") in content
    assert reverse("selling:account_shop") in content


def test_home_hides_panels_with_nothing_to_show(customer_client, customer):
    # Outside the renew window (30 days by default): no "Renew" yet.
    far = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(90)
    )
    row = BalanceSettings.load()
    row.credits_section_enabled = False
    row.save()

    content = customer_client.get(HOME).content.decode()

    assert "home-panel-credits" not in content
    assert "home-panel-next_renewal" not in content
    assert "home-panel-orders" not in content
    assert reverse("expirations:account_renew", args=[far.pk]) not in content
    assert reverse("selling:account_orders") in content  # the menu link


def test_home_queries_do_not_grow_with_the_data(
    customer_client, customer, django_assert_max_num_queries
):
    def fill():
        credit(customer, "10.00")
        ExpirationFactory(
            customer=customer, product=ServiceProductFactory(), expiry_date=in_days(3)
        )
        OrderFactory(customer=customer)

    fill()
    customer_client.get(HOME)
    with django_assert_max_num_queries(12) as few:
        customer_client.get(HOME)
    for _ in range(5):
        fill()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = customer_client.get(HOME)
    assert "home-panel-orders" in response.content.decode()
