"""The backoffice's catalog: list, filters, create, edit, deactivate, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from selling.models import Product
from tests.core.factories import StaffFactory, UserFactory
from tests.selling.factories import ProductFactory, ServiceProductFactory

pytestmark = pytest.mark.django_db

LIST = reverse("selling:staff_products")
CREATE = reverse("selling:staff_product_create")


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def product_data(**overrides):
    """The form's fields; ``name`` and ``description`` are the default language's
    (``name_en``); other languages are passed by their field, e.g. ``name_it``."""
    for text in ("name", "description"):
        if text in overrides:
            overrides[f"{text}_en"] = overrides.pop(text)
    data = {
        "name_en": "Hosting",
        "description_en": "",
        "price": "120,50",
        "renewal_period": "1",
        "renewal_unit": "years",
        "is_active": "on",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# --- Who may see and change ---


def test_product_list_needs_login(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert reverse("staff:login") in response["Location"]


def test_product_list_refuses_a_customer(client, customer):
    client.force_login(customer.user)

    assert client.get(LIST).status_code == 403


def test_product_list_refuses_staff_without_permission(client):
    client.force_login(StaffFactory())

    assert client.get(LIST).status_code == 403


def test_product_list_staff_group_sees_products_but_cannot_change_them(staff_client):
    product = ProductFactory(name="Domain name", price=Decimal("9.90"))

    response = staff_client.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Domain name" in html
    assert "9.90" in html
    assert CREATE not in html
    assert reverse("selling:staff_product_edit", args=[product.pk]) not in html


def test_product_create_refused_to_staff_group(staff_client):
    assert staff_client.get(CREATE).status_code == 403
    response = staff_client.post(CREATE, product_data())

    assert response.status_code == 403
    assert not Product.objects.exists()


def test_product_edit_refused_to_staff_group(staff_client):
    product = ProductFactory(name="Mug")
    url = reverse("selling:staff_product_edit", args=[product.pk])

    assert staff_client.get(url).status_code == 403
    response = staff_client.post(url, product_data(name="Cup"))

    assert response.status_code == 403
    product.refresh_from_db()
    assert product.name == "Mug"


def test_product_list_manager_sees_create_and_edit_links(manager_client):
    product = ProductFactory(name="Mug")

    html = manager_client.get(LIST).content.decode()

    assert CREATE in html
    assert reverse("selling:staff_product_edit", args=[product.pk]) in html


# --- List and filters ---


def test_product_list_shows_price_period_and_active(manager_client):
    ServiceProductFactory(name="Hosting", price=Decimal("120.00"))
    ProductFactory(name="Setup", renewal_period=3, renewal_unit="months")
    ProductFactory(name="Old plan", is_active=False)

    response = manager_client.get(LIST)

    html = response.content.decode()
    assert "Hosting" in html
    assert "120.00" in html
    assert "1 year" in html
    assert "3 months" in html
    assert "Old plan" in html


def test_product_list_filters_active_and_inactive(manager_client):
    ProductFactory(name="On sale")
    ProductFactory(name="Withdrawn", is_active=False)

    active = manager_client.get(LIST, {"active": "yes"}).content.decode()
    inactive = manager_client.get(LIST, {"active": "no"}).content.decode()

    assert "On sale" in active and "Withdrawn" not in active
    assert "Withdrawn" in inactive and "On sale" not in inactive


def test_product_list_search_by_name(manager_client):
    ProductFactory(name="Premium hosting")
    ProductFactory(name="Coffee mug")

    html = manager_client.get(LIST, {"q": "hosting"}).content.decode()

    assert "Premium hosting" in html
    assert "Coffee mug" not in html


def test_product_list_query_count_does_not_grow(manager_client):
    ProductFactory.create_batch(3)
    manager_client.get(LIST)  # warms the session and content types
    with CaptureQueriesContext(connection) as few:
        manager_client.get(LIST)
    ProductFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        response = manager_client.get(LIST)

    assert response.status_code == 200
    assert len(many) == len(few)


# --- Create and edit ---


def test_product_create_with_comma_price_and_renewal_period(manager_client):
    response = manager_client.post(CREATE, product_data(description="Yearly"))

    product = Product.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "selling:staff_product_edit", args=[product.pk]
    )
    assert product.name == "Hosting"
    assert product.price == Decimal("120.50")
    assert (product.renewal_period, product.renewal_unit) == (1, "years")
    assert product.is_active


def test_product_create_without_renewal_period(manager_client):
    response = manager_client.post(
        CREATE, product_data(name="Mug", price="8", renewal_period="", renewal_unit="")
    )

    product = Product.objects.get()
    assert response.status_code == 302
    assert product.price == Decimal("8.00")
    assert product.renewal_period is None
    assert product.renewal_unit == ""
    assert not product.is_renewable


def test_product_edit_changes_and_deactivates(manager_client):
    product = ServiceProductFactory(name="Hosting", price=Decimal("100.00"))
    url = reverse("selling:staff_product_edit", args=[product.pk])

    form_page = manager_client.get(url)
    response = manager_client.post(
        url, product_data(name="Hosting XL", price="150", is_active=None)
    )

    assert form_page.status_code == 200
    assert 'value="100.00"' in form_page.content.decode()
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Hosting XL"
    assert product.price == Decimal("150.00")
    assert not product.is_active
    assert Product.objects.count() == 1


def test_product_edit_unknown_is_404(manager_client):
    url = reverse("selling:staff_product_edit", args=[999999])

    assert manager_client.get(url).status_code == 404


# --- Bad input: a clear message, nothing saved ---


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": "-5"}, "price", "cannot be negative"),
        ({"price": "12.345"}, "price", "more than 2 decimal places"),
        ({"price": "abc"}, "price", "is not an amount"),
        ({"price": ""}, "price", "required"),
        ({"renewal_unit": ""}, "renewal_unit", "Choose the unit"),
        ({"renewal_period": ""}, "renewal_period", "how many years"),
        ({"renewal_period": "0"}, "renewal_period", "at least 1"),
        ({"name": ""}, "name_en", "required"),
        ({"name_it": "x" * 201}, "name_it", "at most 200 characters"),
        ({"description_es": "x" * 5001}, "description_es", "at most 5000"),
    ],
)
def test_product_create_bad_input_is_refused(manager_client, overrides, field, message):
    response = manager_client.post(CREATE, product_data(**overrides))

    assert response.status_code == 400
    errors = " ".join(field_errors(response, field))
    assert message in errors
    assert 'class="field-error"' in response.content.decode()
    assert not Product.objects.exists()


def test_product_edit_bad_input_changes_nothing(manager_client):
    product = ProductFactory(name="Mug", price=Decimal("8.00"))
    url = reverse("selling:staff_product_edit", args=[product.pk])

    response = manager_client.post(url, product_data(name="Cup", price="-1"))

    assert response.status_code == 400
    product.refresh_from_db()
    assert (product.name, product.price) == ("Mug", Decimal("8.00"))


def test_product_pages_have_no_delete(manager_client):
    product = ProductFactory()
    html = manager_client.get(
        reverse("selling:staff_product_edit", args=[product.pk])
    ).content.decode()

    assert "Delete" not in html
    assert 'name="is_active"' in html


def test_staff_menu_shows_products_and_orders_to_staff_group(staff_client):
    html = staff_client.get(LIST).content.decode()

    assert f'href="{LIST}"' in html
    assert f'href="{reverse("selling:staff_orders")}"' in html


def test_staff_menu_hides_selling_without_permission(client):
    client.force_login(UserFactory(is_staff=True))

    html = client.get(reverse("staff:dashboard")).content.decode()

    assert f'href="{LIST}"' not in html
    assert f'href="{reverse("selling:staff_orders")}"' not in html
