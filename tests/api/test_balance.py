"""Credit, debit, the balance and its entries through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.models import IdempotentRequest, Scope
from balance.models import Entry
from balance.services import Author, balance_credit
from tests.api.support import get, make_key, post
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


@pytest.fixture
def secret():
    return make_key(Scope.BALANCE_READ, Scope.BALANCE_WRITE, name="Shop")


def test_credit_posts_an_entry_authored_by_the_key(client, secret):
    customer = CustomerFactory()
    response = post(
        client,
        f"/api/v1/customers/{customer.pk}/credit",
        {"amount": "12.50", "note": "Voucher from the shop"},
        secret,
        key="order-1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "12.50"
    assert body["balance_after"] == "12.50"
    assert body["note"] == "Voucher from the shop"
    entry = Entry.objects.get()
    assert entry.author_kind == Entry.AuthorKind.SYSTEM
    assert entry.author_label.startswith("API key “Shop” (")
    assert body["author"] == entry.author_label
    assert entry.kind == Entry.Kind.MANUAL_CREDIT
    customer.refresh_from_db()
    assert customer.balance == Decimal("12.50")


def test_credit_by_email_and_balance(client, secret):
    customer = CustomerFactory(email="ada@example.com")
    assert (
        post(
            client, "/api/v1/customers/ADA@example.com/credit", {"amount": "3"}, secret
        ).status_code
        == 201
    )
    response = get(client, "/api/v1/customers/ada@example.com/balance", secret)
    assert response.json() == {
        "customer_id": customer.pk,
        "currency": "EUR",
        "balance": "3.00",
        "held": "0.00",
        "available": "3.00",
    }


def test_debit_more_than_available_is_insufficient_funds(client, secret):
    customer = CustomerFactory()
    post(client, f"/api/v1/customers/{customer.pk}/credit", {"amount": "5"}, secret)
    response = post(
        client, f"/api/v1/customers/{customer.pk}/debit", {"amount": "5.01"}, secret
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "insufficient_funds"
    assert "available" in response.json()["error"]["message"]
    response = post(
        client, f"/api/v1/customers/{customer.pk}/debit", {"amount": "5.00"}, secret
    )
    assert response.status_code == 201
    assert response.json()["amount"] == "-5.00"
    assert response.json()["balance_after"] == "0.00"


@pytest.mark.parametrize(
    "amount",
    ["12.345", "-1", "0", "0.00", "1e3", "abc", "", " 1", "1,50", "1000000000000"],
)
def test_bad_amount_is_amount_invalid_and_changes_nothing(client, secret, amount):
    customer = CustomerFactory()
    response = post(
        client, f"/api/v1/customers/{customer.pk}/credit", {"amount": amount}, secret
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "amount_invalid"
    assert error["message"]
    assert not Entry.objects.exists()
    assert not IdempotentRequest.objects.exists()


@pytest.mark.parametrize("amount", [12.5, 12, None])
def test_amount_as_a_number_is_refused(client, secret, amount):
    customer = CustomerFactory()
    response = post(
        client, f"/api/v1/customers/{customer.pk}/credit", {"amount": amount}, secret
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "amount_invalid"
    assert "string" in error["message"]
    assert error["details"][0]["field"] == "amount"
    assert not Entry.objects.exists()


def test_largest_amount_accepted(client, secret):
    customer = CustomerFactory()
    response = post(
        client,
        f"/api/v1/customers/{customer.pk}/credit",
        {"amount": "999999999999.99"},
        secret,
    )
    assert response.status_code == 201
    response = post(
        client, f"/api/v1/customers/{customer.pk}/credit", {"amount": "0.01"}, secret
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "too large" in response.json()["error"]["message"]


def test_unknown_customer_is_customer_not_found(client, secret):
    response = post(client, "/api/v1/customers/999999/credit", {"amount": "1"}, secret)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer_not_found"
    assert "999999" in response.json()["error"]["message"]
    response = get(client, "/api/v1/customers/nobody@example.com/balance", secret)
    assert response.json()["error"]["code"] == "customer_not_found"


def test_bad_json_is_invalid_json(client, secret):
    customer = CustomerFactory()
    response = post(
        client, f"/api/v1/customers/{customer.pk}/credit", b"{amount: 1", secret
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_post_without_idempotency_key_is_refused(client, secret):
    customer = CustomerFactory()
    response = client.post(
        f"/api/v1/customers/{customer.pk}/credit",
        data={"amount": "1.00"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_missing"
    assert not Entry.objects.exists()


def test_entries_paged_by_cursor_newest_first(client, secret):
    customer = CustomerFactory()
    other = CustomerFactory()
    for index in range(305):
        balance_credit(
            customer_id=customer.pk,
            amount=Decimal("1.00"),
            author=Author.system("test"),
            idempotency_key=f"t:{index}",
        )
    balance_credit(
        customer_id=other.pk,
        amount=Decimal("1.00"),
        author=Author.system("test"),
        idempotency_key="other",
    )
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        response = get(
            client, f"/api/v1/customers/{customer.pk}/entries", secret, **params
        )
        assert response.status_code == 200
        body = response.json()
        seen += [entry["id"] for entry in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4
    expected = list(
        Entry.objects.filter(customer=customer)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    assert seen == expected
    assert len(seen) == 305


def test_entries_bad_cursor_and_limit(client, secret):
    customer = CustomerFactory()
    url = f"/api/v1/customers/{customer.pk}/entries"
    response = get(client, url, secret, cursor="!!!")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cursor_invalid"
    response = get(client, url, secret, limit=1000)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_entries_page_query_count(client, secret, django_assert_max_num_queries):
    customer = CustomerFactory()
    for index in range(30):
        balance_credit(
            customer_id=customer.pk,
            amount=Decimal("1.00"),
            author=Author.system("test"),
            idempotency_key=f"q:{index}",
        )
    get(client, "/api/v1/customers", secret)  # the key's last use recorded
    with django_assert_max_num_queries(3):
        response = get(client, f"/api/v1/customers/{customer.pk}/entries", secret)
    assert len(response.json()["data"]) == 30


def test_entries_cursor_pages_over_ten_thousand_entries_while_new_ones_arrive(
    client, secret
):
    """Every one of 10,000 entries once, newest first, in pages of 200 (the most a
    page holds); entries posted between two pages neither repeat nor hide one."""
    customer = CustomerFactory()
    amounts = [Decimal("1.00")] * 10_000
    running = Decimal("0.00")
    entries = []
    for index, amount in enumerate(amounts):
        running += amount
        entries.append(
            Entry(
                customer=customer,
                amount=amount,
                kind=Entry.Kind.MANUAL_CREDIT,
                author_kind=Entry.AuthorKind.SYSTEM,
                author_label="test",
                balance_after=running,
                idempotency_key=f"bulk:{index}",
            )
        )
    Entry.objects.bulk_create(entries, batch_size=2_000)
    type(customer).objects.filter(pk=customer.pk).update(balance=running)
    existing = list(
        Entry.objects.filter(customer=customer)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        response = get(
            client, f"/api/v1/customers/{customer.pk}/entries", secret, **params
        )
        assert response.status_code == 200
        body = response.json()
        seen += [entry["id"] for entry in body["data"]]
        pages += 1
        if pages % 10 == 0:  # a credit arrives while the client pages
            balance_credit(
                customer_id=customer.pk,
                amount=Decimal("1.00"),
                author=Author.system("test"),
                idempotency_key=f"during:{pages}",
            )
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 50
    assert seen == existing
    assert len(set(seen)) == 10_000
