"""Keys and requests for the API's tests."""

from __future__ import annotations

import json
import uuid

from api.models import Scope
from api.services import api_key_create

ALL_SCOPES = list(Scope.values)


def make_key(*scopes: str, name: str = "Test CRM") -> str:
    return api_key_create(
        name=name, scopes=list(scopes) or ALL_SCOPES, created_by=None
    ).secret


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def post(client, path: str, body, secret: str, key: str | None = None):
    return client.post(
        path,
        data=body if isinstance(body, str | bytes) else json.dumps(body),
        content_type="application/json",
        headers={**auth(secret), "Idempotency-Key": key or str(uuid.uuid4())},
    )


def get(client, path: str, secret: str, **params):
    return client.get(path, params, headers=auth(secret))
