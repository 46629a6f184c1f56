"""Expirations through the API: list with filters and cursor, get, create (with
its Idempotency-Key), update; the expirations module's services do the work."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import Scope
from expirations.models import Expiration, ExpirationEvent
from tests.api.support import auth, get, make_key, post
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import (
    ExpirationFactory,
    ProductFactory,
    ServiceProductFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


@pytest.fixture
def secret():
    return make_key(Scope.EXPIRATIONS_READ, Scope.EXPIRATIONS_WRITE, name="Billing")


def patch(client, path, body, secret):
    return client.patch(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers=auth(secret),
    )


def test_create_with_a_product_fills_amount_and_expiry(client, secret):
    customer = CustomerFactory(email="ada@example.com")
    product = ServiceProductFactory(price="99.00")
    today = timezone.localdate()
    response = post(
        client,
        "/api/v1/expirations",
        {
            "customer": "ada@example.com",
            "product": product.pk,
            "quantity": 2,
            "start_date": today.isoformat(),
        },
        secret,
        key="exp-1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    expiration = Expiration.objects.get()
    assert body["id"] == expiration.pk
    assert body["customer_id"] == customer.pk
    assert body["amount"] == "198.00"
    assert body["label"] == product.name
    assert body["expiry_date"] == expiration.expiry_date.isoformat()
    assert expiration.expiry_date.year == today.year + 1
    assert body["state"] == "active"
    assert (
        ExpirationEvent.objects.filter(
            expiration=expiration, kind=ExpirationEvent.Kind.CREATED
        ).count()
        == 1
    )


def test_create_replays_the_same_idempotency_key(client, secret):
    customer = CustomerFactory()
    today = timezone.localdate()
    body = {
        "customer": str(customer.pk),
        "item": "Hosting",
        "amount": "12.00",
        "start_date": today.isoformat(),
        "expiry_date": (today + timedelta(days=100)).isoformat(),
    }
    first = post(client, "/api/v1/expirations", body, secret, key="same")
    again = post(client, "/api/v1/expirations", body, secret, key="same")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Expiration.objects.count() == 1
    other = post(client, "/api/v1/expirations", {**body, "item": "DNS"}, secret, "same")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert post(client, "/api/v1/expirations", body, secret).status_code == 201
    assert Expiration.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"product": 999999}, 400, "product_not_found"),
        ({"expiry_date": "2026-02-30"}, 400, "date_invalid"),
        ({"start_date": "1800-01-01"}, 400, "date_invalid"),
        ({"expiry_date": "2000-01-01"}, 400, "date_invalid"),
        ({"amount": 12.5}, 400, "amount_invalid"),
        ({"amount": "1,5"}, 400, "amount_invalid"),
        ({"amount": "99999999999.00"}, 400, "amount_invalid"),
        ({"item": ""}, 400, "item_invalid"),
        ({"quantity": 0}, 400, "validation_error"),
        ({"customer": "nobody@example.com"}, 404, "customer_not_found"),
    ],
)
def test_create_refusals_change_nothing(client, secret, change, status, code):
    customer = CustomerFactory()
    body = {
        "customer": str(customer.pk),
        "item": "Hosting",
        "start_date": "2026-01-10",
        "expiry_date": "2027-01-10",
        **change,
    }
    response = post(client, "/api/v1/expirations", body, secret)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Expiration.objects.exists()
    assert not ExpirationEvent.objects.exists()


def test_create_refuses_a_product_without_renewal(client, secret):
    customer = CustomerFactory()
    product = ProductFactory()
    response = post(
        client,
        "/api/v1/expirations",
        {
            "customer": str(customer.pk),
            "product": product.pk,
            "start_date": "2026-01-01",
        },
        secret,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "product_not_renewable"


def test_list_filters_and_pages(client, secret):
    today = timezone.localdate()
    ada = CustomerFactory(email="ada@example.com")
    product = ServiceProductFactory()
    soon = ExpirationFactory(customer=ada, expiry_date=today + timedelta(days=5))
    later = ExpirationFactory(
        customer=ada, product=product, expiry_date=today + timedelta(days=200)
    )
    gone = ExpirationFactory(customer=ada, expiry_date=today - timedelta(days=3))
    cancelled = ExpirationFactory(customer=ada, is_cancelled=True)
    other = ExpirationFactory(expiry_date=today + timedelta(days=5))

    def ids(**params):
        response = get(client, "/api/v1/expirations", secret, **params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["data"]]

    assert ids() == [soon.pk, later.pk, gone.pk, cancelled.pk, other.pk]
    assert ids(customer="ADA@example.com") == [
        soon.pk,
        later.pk,
        gone.pk,
        cancelled.pk,
    ]
    assert ids(state="expiring_soon") == [soon.pk, other.pk]
    assert ids(state="expired") == [gone.pk]
    assert ids(state="cancelled") == [cancelled.pk]
    assert ids(state="active") == [later.pk]
    assert ids(product=product.pk) == [later.pk]
    assert ids(
        expiring_from=(today - timedelta(days=3)).isoformat(),
        expiring_to=(today + timedelta(days=5)).isoformat(),
        customer=str(ada.pk),
    ) == [soon.pk, gone.pk]

    first = get(client, "/api/v1/expirations", secret, limit=2).json()
    assert [row["id"] for row in first["data"]] == [soon.pk, later.pk]
    second = get(
        client, "/api/v1/expirations", secret, limit=2, cursor=first["next_cursor"]
    ).json()
    assert [row["id"] for row in second["data"]] == [gone.pk, cancelled.pk]
    assert first["data"][0]["state"] == "expiring_soon"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"state": "sleeping"}, "validation_error"),
        ({"expiring_from": "tomorrow"}, "date_invalid"),
        ({"expiring_from": "2026-05-01", "expiring_to": "2026-04-01"}, "date_invalid"),
        ({"cursor": "nope"}, "cursor_invalid"),
    ],
)
def test_list_refuses_bad_filters(client, secret, params, code):
    response = get(client, "/api/v1/expirations", secret, **params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_list_unknown_customer_is_404(client, secret):
    response = get(client, "/api/v1/expirations", secret, customer="x@example.com")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer_not_found"


def test_get_and_not_found(client, secret):
    expiration = ExpirationFactory(item="Domain")
    response = get(client, f"/api/v1/expirations/{expiration.pk}", secret)
    assert response.status_code == 200
    assert response.json()["label"] == "Domain"
    assert response.json()["amount"] == "120.00"
    missing = get(client, f"/api/v1/expirations/{expiration.pk + 1}", secret)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "expiration_not_found"


def test_update_changes_what_is_sent_and_records_it(client, secret):
    expiration = ExpirationFactory(item="Domain", notes="keep")
    new_expiry = expiration.expiry_date + timedelta(days=30)
    response = patch(
        client,
        f"/api/v1/expirations/{expiration.pk}",
        {"expiry_date": new_expiry.isoformat(), "amount": "130.00"},
        secret,
    )
    assert response.status_code == 200, response.content
    assert response.json()["expiry_date"] == new_expiry.isoformat()
    expiration.refresh_from_db()
    assert expiration.expiry_date == new_expiry
    assert str(expiration.amount) == "130.00"
    assert expiration.notes == "keep"
    event = ExpirationEvent.objects.get(kind=ExpirationEvent.Kind.CHANGED)
    assert event.previous_expiry_date == new_expiry - timedelta(days=30)


def test_update_refusals_change_nothing(client, secret):
    expiration = ExpirationFactory(item="Domain")
    before = expiration.expiry_date
    bad = patch(
        client,
        f"/api/v1/expirations/{expiration.pk}",
        {"expiry_date": (expiration.start_date - timedelta(days=1)).isoformat()},
        secret,
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "date_invalid"
    cleared = patch(
        client, f"/api/v1/expirations/{expiration.pk}", {"start_date": None}, secret
    )
    assert cleared.json()["error"]["code"] == "date_invalid"
    missing = patch(client, "/api/v1/expirations/999999", {"item": "x"}, secret)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "expiration_not_found"
    expiration.refresh_from_db()
    assert expiration.expiry_date == before
    assert not ExpirationEvent.objects.exists()


def test_scopes_are_enforced(client):
    expiration = ExpirationFactory()
    reader = make_key(Scope.EXPIRATIONS_READ)
    other = make_key(Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE)
    assert get(client, "/api/v1/expirations", other).status_code == 403
    assert (
        get(client, f"/api/v1/expirations/{expiration.pk}", other).json()["error"][
            "code"
        ]
        == "scope_missing"
    )
    created = post(
        client,
        "/api/v1/expirations",
        {
            "customer": str(expiration.customer_id),
            "item": "x",
            "start_date": "2026-01-01",
        },
        reader,
    )
    assert created.status_code == 403
    assert (
        patch(
            client, f"/api/v1/expirations/{expiration.pk}", {"item": "y"}, reader
        ).status_code
        == 403
    )
    assert Expiration.objects.count() == 1
