"""Keys: unknown, revoked, missing scope, rate limit, last use, stored hashed."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from api.models import ApiKey, Scope
from api.services import api_key_revoke
from tests.api.support import auth, get, make_key, post
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_key_missing_answers_401_json(client):
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "key_missing"


def test_key_unknown_answers_401_json(client):
    secret = make_key()
    wrong = secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")
    for presented in (wrong, "nonsense", "clt_deadbeef_x"):
        response = get(client, "/api/v1/customers", presented)
        assert response.status_code == 401, presented
        assert response.json() == {
            "error": {
                "code": "key_invalid",
                "message": "This API key is not valid or was revoked.",
            }
        }


def test_key_revoked_answers_401(client):
    secret = make_key()
    assert get(client, "/api/v1/customers", secret).status_code == 200
    api_key_revoke(api_key_id=ApiKey.objects.get().pk, revoked_by=None)
    response = get(client, "/api/v1/customers", secret)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "key_invalid"


def test_key_stored_hashed_only(db):
    secret = make_key()
    api_key = ApiKey.objects.get()
    assert secret.startswith(f"clt_{api_key.prefix}_")
    raw = secret.split("_", 2)[2]
    assert api_key.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.values().get())


def test_balance_read_key_cannot_credit_403(client):
    customer = CustomerFactory()
    secret = make_key(Scope.BALANCE_READ)
    response = post(
        client, f"/api/v1/customers/{customer.pk}/credit", {"amount": "5.00"}, secret
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "scope_missing"
    assert "balance:write" in response.json()["error"]["message"]
    customer.refresh_from_db()
    assert customer.balance == 0
    balance = get(client, f"/api/v1/customers/{customer.pk}/balance", secret)
    assert balance.status_code == 200


def test_customers_read_key_cannot_read_balance(client):
    customer = CustomerFactory()
    secret = make_key(Scope.CUSTOMERS_READ)
    response = get(client, f"/api/v1/customers/{customer.pk}/balance", secret)
    assert response.status_code == 403


@override_settings(API_RATE_LIMIT=3)
def test_rate_limit_answers_429_with_retry_after(client):
    secret = make_key()
    other = make_key(name="Other")
    for _ in range(3):
        assert get(client, "/api/v1/customers", secret).status_code == 200
    response = get(client, "/api/v1/customers", secret)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Per key: another key is not limited by this one's requests.
    assert get(client, "/api/v1/customers", other).status_code == 200


def test_rate_limit_on_redis_counts_in_one_window_key(client):
    """The Redis path: INCR and EXPIRE in one pipeline, per key and minute."""
    import os

    from django.core.cache import caches

    location = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/0")
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "test-api-rate",
        }
    }
    with override_settings(CACHES=redis_cache, API_RATE_LIMIT=2):
        caches["default"].clear()
        secret = make_key()
        assert get(client, "/api/v1/customers", secret).status_code == 200
        assert get(client, "/api/v1/customers", secret).status_code == 200
        refused = get(client, "/api/v1/customers", secret)
        assert refused.status_code == 429
        backend = caches["default"]
        api_key = ApiKey.objects.get()
        (stored,) = [
            key
            for key in backend._cache.get_client(None).keys("*api:rate:*")
            if f":api:rate:{api_key.pk}:".encode() in key
        ]
        assert backend._cache.get_client(None).get(stored) == b"3"
        assert 0 < backend._cache.get_client(None).ttl(stored) <= 120
        backend.clear()


def test_last_used_recorded_at_most_once_a_minute(client):
    secret = make_key()
    api_key = ApiKey.objects.get()
    assert api_key.last_used_at is None
    get(client, "/api/v1/customers", secret)
    api_key.refresh_from_db()
    first = api_key.last_used_at
    assert first is not None
    get(client, "/api/v1/customers", secret)
    api_key.refresh_from_db()
    assert api_key.last_used_at == first
    ApiKey.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    get(client, "/api/v1/customers", secret)
    api_key.refresh_from_db()
    assert api_key.last_used_at > first - timedelta(seconds=1)
    assert api_key.last_used_at > timezone.now() - timedelta(seconds=30)


def test_bearer_header_shape(client):
    secret = make_key()
    response = client.get("/api/v1/customers", headers={"Authorization": secret})
    assert response.status_code == 401
    assert get(client, "/api/v1/customers", secret).status_code == 200
    assert auth(secret)["Authorization"].startswith("Bearer clt_")
