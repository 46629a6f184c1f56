"""``manage.py bench`` cases of the API, with the demo key of ``seed_demo``: the
balance GET and a credit POST (a new Idempotency-Key for every request)."""

from __future__ import annotations

import json
import uuid

from bench.cases import register


def _demo_key() -> str | None:
    from api.models import ApiKey
    from api.services import DEMO_KEY, DEMO_KEY_PREFIX

    active = ApiKey.objects.filter(
        prefix=DEMO_KEY_PREFIX, revoked_at__isnull=True
    ).exists()
    return DEMO_KEY if active else None


def _customer_id() -> int | None:
    """A demo customer in the middle of the table (not the first row)."""
    from customers.models import Customer

    count = Customer.objects.count()
    row = Customer.objects.order_by("pk").values_list("pk", flat=True)[count // 2 :]
    return row.first() if count else None


def _url(suffix: str):
    def url() -> str | None:
        from django.apps import apps

        if not apps.is_installed("balance"):
            return None
        customer_id = _customer_id()
        if customer_id is None or _demo_key() is None:
            return None
        return f"/api/v1/customers/{customer_id}/{suffix}"

    return url


def _headers(*, idempotent: bool):
    def headers() -> dict[str, str]:
        from api.services import DEMO_KEY

        sent = {"Authorization": f"Bearer {DEMO_KEY}"}
        if idempotent:
            sent["Idempotency-Key"] = f"bench-{uuid.uuid4()}"
        return sent

    return headers


register(
    "api: balance GET",
    _url("balance"),
    login="anonymous",
    headers=_headers(idempotent=False),
    order=120,
)
register(
    "api: credit POST",
    _url("credit"),
    login="anonymous",
    method="POST",
    body=json.dumps({"amount": "1.00", "note": "bench"}),
    headers=_headers(idempotent=True),
    status=201,
    order=121,
)
