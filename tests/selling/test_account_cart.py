"""The customer area's shop and cart: add, change quantities, remove."""

from decimal import Decimal

import pytest
from django.test import Client

from core import plugins
from selling.models import CartLine
from selling.services import cart_add, cart_for
from tests.customers.factories import CustomerWithLoginFactory
from tests.selling.account_support import (
    CART,
    CART_ADD,
    SHOP,
    impersonate,
    line_remove_url,
    line_url,
    messages_of,
)
from tests.selling.factories import ProductFactory, ServiceProductFactory

pytestmark = pytest.mark.django_db


def lines_of(customer) -> list[tuple[str, int]]:
    return list(
        CartLine.objects.filter(cart__customer=customer).values_list(
            "product__name", "quantity"
        )
    )


def test_shop_lists_active_products_with_price_and_period(customer_client):
    ProductFactory(name="Logo design", price=Decimal("250.00"))
    ServiceProductFactory(name="Hosting", price=Decimal("1234.50"))
    ProductFactory(name="Old thing", is_active=False)
    response = customer_client.get(SHOP)
    content = response.content.decode()
    assert response.status_code == 200
    assert [p.name for p in response.context["products"]] == ["Hosting", "Logo design"]
    assert "250.00 EUR" in content
    assert "1,234.50 EUR" in content
    assert "for 1 year<" in content
    assert "Old thing" not in content
    assert "Add to cart" in content


def test_shop_needs_login_and_a_customer(staff_client):
    response = Client().get(SHOP)
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]
    # A staff member without a customer profile has no customer area.
    assert staff_client.get(SHOP).status_code == 404


def test_account_menu_has_shop_and_my_orders(customer_client):
    keys = [entry.key for entry in plugins.account_menu]
    assert "shop" in keys and "orders" in keys
    content = customer_client.get(SHOP).content.decode()
    assert 'href="/account/shop/"' in content
    assert 'href="/account/orders/"' in content


def test_add_to_cart_then_again_adds_up(customer_client, customer):
    item = ProductFactory(name="Logo design", price=Decimal("10.00"))
    response = customer_client.post(CART_ADD, {"product": item.pk, "quantity": "2"})
    assert response.status_code == 302
    assert response["Location"] == CART
    customer_client.post(CART_ADD, {"product": item.pk, "quantity": "3"})
    assert lines_of(customer) == [("Logo design", 5)]
    response = customer_client.get(CART)
    assert response.context["summary"].subtotal == Decimal("50.00")
    assert response.context["cart_count"] == 5
    assert "50.00 EUR" in response.content.decode()


def test_shop_shows_the_cart_count(customer_client, customer):
    item = ProductFactory()
    cart_add(customer=customer, product_id=item.pk, quantity=3)
    response = customer_client.get(SHOP)
    assert "Cart (3 items)" in response.content.decode()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "at least 1"),
        ("-1", "at least 1"),
        ("abc", "whole number"),
        ("", "Enter a quantity"),
        ("1000", "at most 999"),
    ],
)
def test_add_to_cart_refuses_bad_quantity(customer_client, customer, quantity, message):
    item = ProductFactory()
    response = customer_client.post(
        CART_ADD, {"product": item.pk, "quantity": quantity}, follow=True
    )
    assert response.redirect_chain[-1][0] == SHOP
    assert any(message in text for text in messages_of(response))
    assert lines_of(customer) == []


def test_add_to_cart_refuses_inactive_or_unknown_product(customer_client, customer):
    item = ProductFactory(name="Retired", is_active=False)
    response = customer_client.post(
        CART_ADD, {"product": item.pk, "quantity": "1"}, follow=True
    )
    assert "“Retired” is no longer on sale." in messages_of(response)
    response = customer_client.post(
        CART_ADD, {"product": "abc", "quantity": "1"}, follow=True
    )
    assert "This product does not exist." in messages_of(response)
    assert lines_of(customer) == []


def test_cart_add_is_post_only(customer_client):
    assert customer_client.get(CART_ADD).status_code == 405


def test_empty_cart_says_so(customer_client):
    response = customer_client.get(CART)
    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()


def test_change_quantity(customer_client, customer):
    item = ProductFactory(name="Logo", price=Decimal("10.00"))
    line = cart_add(customer=customer, product_id=item.pk, quantity=1)
    response = customer_client.post(line_url(line), {"quantity": "4"}, follow=True)
    assert "The quantity was updated." in messages_of(response)
    assert lines_of(customer) == [("Logo", 4)]
    assert response.context["summary"].subtotal == Decimal("40.00")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("0", "at least 1"), ("-1", "at least 1"), ("abc", "whole number")],
)
def test_change_quantity_refuses_bad_input(
    customer_client, customer, quantity, message
):
    item = ProductFactory(name="Logo")
    line = cart_add(customer=customer, product_id=item.pk, quantity=2)
    response = customer_client.post(line_url(line), {"quantity": quantity}, follow=True)
    assert any(message in text for text in messages_of(response))
    assert lines_of(customer) == [("Logo", 2)]


def test_remove_line(customer_client, customer):
    item = ProductFactory()
    line = cart_add(customer=customer, product_id=item.pk, quantity=2)
    response = customer_client.post(line_remove_url(line), follow=True)
    assert "The product was removed from your cart." in messages_of(response)
    assert lines_of(customer) == []
    # Removing it again (a double click) is a clear message, not an error page.
    response = customer_client.post(line_remove_url(line), follow=True)
    assert "This line is not in your cart." in messages_of(response)


def test_another_customers_line_is_not_changed(customer_client, customer):
    other = CustomerWithLoginFactory()
    item = ProductFactory(name="Theirs")
    line = cart_add(customer=other, product_id=item.pk, quantity=2)
    response = customer_client.post(line_url(line), {"quantity": "9"}, follow=True)
    assert "This line is not in your cart." in messages_of(response)
    response = customer_client.post(line_remove_url(line), follow=True)
    assert "This line is not in your cart." in messages_of(response)
    assert lines_of(other) == [("Theirs", 2)]
    assert lines_of(customer) == []


def test_line_of_an_inactive_product_is_flagged(customer_client, customer):
    item = ProductFactory(name="Soon gone")
    cart_add(customer=customer, product_id=item.pk, quantity=1)
    item.is_active = False
    item.save()
    response = customer_client.get(CART)
    content = response.content.decode()
    assert [line.product for line in response.context["summary"].inactive_lines] == [
        item
    ]
    assert 'data-testid="line-inactive"' in content
    assert "Some products are no longer on sale" in content


def test_renewal_line_has_no_quantity_form(customer_client, customer):
    item = ServiceProductFactory(name="Hosting")
    line = cart_add(customer=customer, product_id=item.pk, renews=("expiration", 7))
    content = customer_client.get(CART).content.decode()
    assert "Renewal" in content
    assert line_url(line) + '"' not in content
    assert line_remove_url(line) in content


def test_cart_can_be_filled_while_impersonating(client, staff_user, customer):
    item = ProductFactory()
    impersonate(client, staff_user, customer)
    client.post(CART_ADD, {"product": item.pk, "quantity": "1"})
    assert cart_for(customer).lines.count() == 1
