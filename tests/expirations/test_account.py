"""The customer's "My expirations" page and its "Renew" button (and the service)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core import plugins
from expirations.models import ExpirationSettings
from expirations.services.cart import expiration_renew_to_cart
from selling.models import CartLine
from tests.expirations.factories import (
    ExpirationFactory,
    ProductFactory,
    ServiceProductFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/account/expirations/"


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def renew_url(expiration) -> str:
    return reverse("expirations:account_renew", args=[expiration.pk])


def cart_lines(customer):
    return list(
        CartLine.objects.filter(cart__customer=customer).values_list(
            "product_id", "renews_type", "renews_id", "quantity"
        )
    )


# --- the service ---


def test_renew_to_cart_adds_the_renewal_once(customer):
    product = ServiceProductFactory()
    expiration = ExpirationFactory(
        customer=customer, product=product, expiry_date=in_days(10)
    )
    expiration_renew_to_cart(customer=customer, expiration_id=expiration.pk)
    expiration_renew_to_cart(customer=customer, expiration_id=str(expiration.pk))
    assert cart_lines(customer) == [(product.pk, "expiration", str(expiration.pk), 1)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"is_cancelled": True}, "was cancelled"),
        ({"expiry_date_days": 31}, "can be renewed from"),
        ({"product": None}, "cannot be renewed online"),
        ({"product_kind": "plain"}, "cannot be renewed online"),
        ({"product_kind": "inactive"}, "no longer on sale"),
    ],
)
def test_renew_to_cart_refusals_leave_the_cart_empty(customer, changes, message):
    product = {
        "plain": ProductFactory(),
        "inactive": ServiceProductFactory(is_active=False),
    }.get(changes.get("product_kind"), ServiceProductFactory())
    expiration = ExpirationFactory(
        customer=customer,
        product=changes.get("product", product),
        item="Old contract" if changes.get("product", product) is None else "",
        expiry_date=in_days(changes.get("expiry_date_days", 5)),
        is_cancelled=changes.get("is_cancelled", False),
    )
    with pytest.raises(ValidationError, match=message):
        expiration_renew_to_cart(customer=customer, expiration_id=expiration.pk)
    assert cart_lines(customer) == []


@pytest.mark.parametrize("expiration_id", ["other", "abc", "-1", "999999", ""])
def test_renew_to_cart_of_another_customers_or_unknown_id_is_not_found(
    customer, expiration_id
):
    other = ExpirationFactory(product=ServiceProductFactory(), expiry_date=in_days(3))
    if expiration_id == "other":
        expiration_id = other.pk
    with pytest.raises(ValidationError) as refusal:
        expiration_renew_to_cart(customer=customer, expiration_id=expiration_id)
    assert refusal.value.code == "not_found"
    assert cart_lines(customer) == []
    assert cart_lines(other.customer) == []


def test_renew_window_follows_the_settings(customer):
    settings_row = ExpirationSettings.load()
    settings_row.quick_renew_days = 60
    settings_row.save()
    expiration = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(45)
    )
    expiration_renew_to_cart(customer=customer, expiration_id=expiration.pk)
    assert len(cart_lines(customer)) == 1


def test_renew_to_cart_of_an_expired_service_is_allowed(customer):
    expiration = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(-20)
    )
    expiration_renew_to_cart(customer=customer, expiration_id=expiration.pk)
    assert len(cart_lines(customer)) == 1


# --- the page ---


def test_account_menu_has_my_expirations():
    entry = plugins.account_menu.get("expirations")
    assert str(entry.label) == "My expirations"
    assert reverse(entry.url_name) == LIST_URL


def test_account_list_shows_own_services_with_days_left(customer_client, customer):
    soon = ExpirationFactory(
        customer=customer,
        product=ServiceProductFactory(name="Hosting"),
        expiry_date=in_days(12),
    )
    later = ExpirationFactory(
        customer=customer, item="Support", expiry_date=in_days(90)
    )
    expired = ExpirationFactory(
        customer=customer,
        product=ServiceProductFactory(name="Domain"),
        expiry_date=in_days(-4),
    )
    ExpirationFactory(customer=customer, item="Cancelled one", is_cancelled=True)
    ExpirationFactory(customer=customer, item="Long gone", expiry_date=in_days(-400))
    ExpirationFactory(item="Someone else's")

    response = customer_client.get(LIST_URL)

    assert response.status_code == 200
    assert [e.pk for e in response.context["active"]] == [soon.pk, later.pk]
    assert [e.pk for e in response.context["expired"]] == [expired.pk]
    content = response.content.decode()
    assert "Hosting" in content and "Support" in content and "Domain" in content
    for hidden in ("Cancelled one", "Long gone", "Someone else"):
        assert hidden not in content
    assert response.context["active"][0].days_left_today == 12
    # Renew: in the window (12 days) and expired, not for 90 days or a free text.
    assert renew_url(soon) in content
    assert renew_url(expired) in content
    assert renew_url(later) not in content


def test_account_list_needs_a_customer_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account:login"))


def test_account_list_is_not_for_staff(staff_client):
    assert staff_client.get(LIST_URL).status_code == 404


def test_account_renew_puts_it_in_the_cart_and_goes_to_checkout(
    customer_client, customer
):
    product = ServiceProductFactory()
    expiration = ExpirationFactory(
        customer=customer, product=product, expiry_date=in_days(5)
    )
    response = customer_client.post(renew_url(expiration))
    assert response.status_code == 302
    assert response.url == reverse("selling:account_checkout")
    assert cart_lines(customer) == [(product.pk, "expiration", str(expiration.pk), 1)]


def test_account_renew_too_early_explains_and_changes_nothing(
    customer_client, customer
):
    expiration = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(100)
    )
    response = customer_client.post(renew_url(expiration), follow=True)
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "can be renewed from" in response.content.decode()
    assert cart_lines(customer) == []


def test_account_renew_of_another_customers_expiration_is_404(
    customer_client, customer
):
    other = ExpirationFactory(product=ServiceProductFactory(), expiry_date=in_days(5))
    response = customer_client.post(renew_url(other))
    assert response.status_code == 404
    assert cart_lines(customer) == []
    assert cart_lines(other.customer) == []


def test_account_renew_is_post_only(customer_client, customer):
    expiration = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(5)
    )
    assert customer_client.get(renew_url(expiration)).status_code == 405
    assert cart_lines(customer) == []


def test_account_list_queries_do_not_grow_with_rows(
    customer_client, customer, django_assert_max_num_queries
):
    for days in range(1, 15):
        ExpirationFactory(
            customer=customer,
            product=ServiceProductFactory(),
            expiry_date=in_days(days),
        )
    customer_client.get(LIST_URL)
    with django_assert_max_num_queries(12):
        response = customer_client.get(LIST_URL)
    assert len(response.context["active"]) == 14
