"""Customers through the API: list with filters and cursor, get, create, update."""

from __future__ import annotations

import pytest

from api.models import Scope
from customers.models import Customer
from tests.api.support import get, make_key, post
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret():
    return make_key(Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE)


def test_list_pages_by_cursor_in_id_order(client, secret):
    customers = CustomerFactory.create_batch(25)
    seen, cursor = [], None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        body = get(client, "/api/v1/customers", secret, **params).json()
        seen += [row["id"] for row in body["data"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(customer.pk for customer in customers)


def test_list_filters(client, secret):
    ada = CustomerFactory(email="ada@example.com", first_name="Ada", last_name="Byron")
    CustomerFactory(email="bob@example.com", first_name="Bob", last_name="Stone")
    ada.tags.create(name="VIP")
    by_email = get(client, "/api/v1/customers", secret, email="ADA@example.com")
    assert [row["id"] for row in by_email.json()["data"]] == [ada.pk]
    by_tag = get(client, "/api/v1/customers", secret, tag="vip").json()
    assert [row["id"] for row in by_tag["data"]] == [ada.pk]
    assert by_tag["data"][0]["tags"] == ["VIP"]
    by_search = get(client, "/api/v1/customers", secret, search="byron").json()
    assert [row["id"] for row in by_search["data"]] == [ada.pk]
    unknown = get(client, "/api/v1/customers", secret, tag="nope")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "tag_not_found"


def test_list_query_count(client, secret, django_assert_max_num_queries):
    for customer in CustomerFactory.create_batch(20):
        customer.tags.create(name=f"t{customer.pk}")
    get(client, "/api/v1/customers", secret)
    with django_assert_max_num_queries(3):
        response = get(client, "/api/v1/customers", secret)
    assert len(response.json()["data"]) == 20


def test_get_by_id_or_email(client, secret):
    ada = CustomerFactory(email="ada@example.com")
    assert get(client, f"/api/v1/customers/{ada.pk}", secret).json()["id"] == ada.pk
    body = get(client, "/api/v1/customers/Ada@Example.com", secret).json()
    assert body["email"] == "ada@example.com"
    missing = get(client, "/api/v1/customers/123456789", secret)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "customer_not_found"


def test_create_and_duplicate_email(client, secret):
    response = post(
        client,
        "/api/v1/customers",
        {"email": "New@Example.com", "first_name": "Nina", "city": "Rome"},
        secret,
    )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "new@example.com"
    assert Customer.objects.get(email="new@example.com").city == "Rome"
    again = post(client, "/api/v1/customers", {"email": "new@example.com"}, secret)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "customer_email_taken"


def test_create_invalid_fields(client, secret):
    response = post(
        client, "/api/v1/customers", {"email": "not-an-email", "language": "xx"}, secret
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {detail["field"] for detail in error["details"]} == {"email", "language"}
    missing = post(client, "/api/v1/customers", {"first_name": "X"}, secret)
    assert missing.json()["error"]["details"] == [
        {"field": "email", "message": "Field required"}
    ]
    assert not Customer.objects.exists()


def test_update_changes_the_fields_sent(client, secret):
    ada = CustomerFactory(first_name="Ada", city="Rome")
    response = client.patch(
        f"/api/v1/customers/{ada.pk}",
        data={"city": "Milan"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.content
    ada.refresh_from_db()
    assert (ada.first_name, ada.city) == ("Ada", "Milan")


def test_update_refuses_the_login_email(client, secret):
    customer = CustomerWithLoginFactory()
    response = client.patch(
        f"/api/v1/customers/{customer.pk}",
        data={"email": "thief@example.com"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_is_login"
    customer.refresh_from_db()
    assert customer.email != "thief@example.com"


def test_read_key_cannot_create(client):
    secret = make_key(Scope.CUSTOMERS_READ)
    response = post(client, "/api/v1/customers", {"email": "x@example.com"}, secret)
    assert response.status_code == 403
    assert not Customer.objects.exists()


def test_created_customers_are_recorded_as_through_the_api(
    client, secret, staff_client
):
    from automation.models import Run
    from automation.services import funnel_import

    def welcome(source: str):
        return funnel_import(
            document={
                "format": "clientela-funnel",
                "version": 1,
                "name": f"Welcome {source}",
                "trigger": {"key": "customer.created", "params": {"source": source}},
                "reentry": {"policy": "once"},
                "steps": [{"key": "bye", "kind": "exit"}],
            },
            activate=True,
        )

    through_api, by_staff = welcome("api"), welcome("staff")
    response = post(client, "/api/v1/customers", {"email": "api@example.com"}, secret)
    assert response.status_code == 201
    customer = Customer.objects.get(email="api@example.com")
    assert customer.source == "api"
    assert Run.objects.get(customer=customer).funnel_id == through_api.pk
    assert not Run.objects.filter(funnel=by_staff).exists()
    card = staff_client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert "<b>Source:</b> API" in card
