"""Every POST takes an Idempotency-Key: replayed, conflicting, racing."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from api.models import IdempotentRequest
from api.services import idempotency_purge
from balance.models import Entry
from customers.models import Customer
from tests.api.support import make_key, post
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.both_dbs


@pytest.mark.django_db
def test_same_key_same_body_replays_the_first_answer(client):
    secret = make_key()
    customer = CustomerFactory()
    url = f"/api/v1/customers/{customer.pk}/credit"
    first = post(client, url, {"amount": "10.00", "note": "x"}, secret, key="k1")
    again = post(client, url, {"amount": "10.00", "note": "x"}, secret, key="k1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Entry.objects.count() == 1
    customer.refresh_from_db()
    assert customer.balance == Decimal("10.00")


@pytest.mark.django_db
def test_same_key_other_body_is_409(client):
    secret = make_key()
    customer = CustomerFactory()
    url = f"/api/v1/customers/{customer.pk}/credit"
    post(client, url, {"amount": "10.00"}, secret, key="k1")
    response = post(client, url, {"amount": "11.00"}, secret, key="k1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    # Another path with the key is another request too.
    response = post(
        client, url.replace("credit", "debit"), {"amount": "10.00"}, secret, key="k1"
    )
    assert response.status_code == 409
    assert Entry.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_api_key(client):
    customer = CustomerFactory()
    url = f"/api/v1/customers/{customer.pk}/credit"
    one, two = make_key(name="One"), make_key(name="Two")
    assert post(client, url, {"amount": "1.00"}, one, key="k").status_code == 201
    assert post(client, url, {"amount": "1.00"}, two, key="k").status_code == 201
    assert Entry.objects.count() == 2


@pytest.mark.django_db
def test_refusal_is_replayed_too(client):
    secret = make_key()
    customer = CustomerFactory()
    url = f"/api/v1/customers/{customer.pk}/debit"
    first = post(client, url, {"amount": "1.00"}, secret, key="d")
    assert first.status_code == 422
    # Money arrives meanwhile: the same request still gets its first answer.
    post(client, url.replace("debit", "credit"), {"amount": "5.00"}, secret)
    again = post(client, url, {"amount": "1.00"}, secret, key="d")
    assert again.status_code == 422
    assert again.json() == first.json()


@pytest.mark.django_db
def test_customer_create_replayed(client):
    secret = make_key()
    body = {"email": "new@example.com", "first_name": "Nina"}
    first = post(client, "/api/v1/customers", body, secret, key="c1")
    again = post(client, "/api/v1/customers", body, secret, key="c1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Customer.objects.filter(email="new@example.com").count() == 1


@pytest.mark.django_db
def test_keys_kept_a_day_then_purged(client):
    secret = make_key()
    customer = CustomerFactory()
    post(client, f"/api/v1/customers/{customer.pk}/credit", {"amount": "1"}, secret)
    assert idempotency_purge(now=timezone.now() + timedelta(hours=23)) == 0
    assert IdempotentRequest.objects.count() == 1
    assert idempotency_purge(now=timezone.now() + timedelta(hours=25)) == 1
    assert not IdempotentRequest.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads with their own connections"
)
@pytest.mark.django_db(transaction=True)
def test_two_racing_identical_posts_create_one_entry():
    secret = make_key()
    customer = CustomerFactory()
    url = f"/api/v1/customers/{customer.pk}/credit"
    body = json.dumps({"amount": "7.00", "note": "race"})
    barrier = threading.Barrier(2)
    answers: list = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            answers.append(
                Client().post(
                    url,
                    data=body,
                    content_type="application/json",
                    headers={
                        "Authorization": f"Bearer {secret}",
                        "Idempotency-Key": "same",
                    },
                )
            )
        except BaseException as error:  # reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    for _round in range(3):
        answers.clear()
        IdempotentRequest.objects.all().delete()
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert [answer.status_code for answer in answers] == [201, 201]
        assert answers[0].json() == answers[1].json()
    # Three rounds, the records forgotten between them: the ledger's own key still
    # posts one entry.
    assert Entry.objects.filter(customer=customer).count() == 1
    customer.refresh_from_db()
    assert customer.balance == Decimal("7.00")
