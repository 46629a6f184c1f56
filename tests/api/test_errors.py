"""Under /api/ every error is JSON: unknown URL, wrong method, a crash."""

from __future__ import annotations

import pytest

from tests.api.support import auth, make_key

pytestmark = pytest.mark.django_db


def test_unknown_url_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/").json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(client):
    secret = make_key()
    response = client.delete("/api/v1/customers", headers=auth(secret))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_crash_is_json_500(client, monkeypatch):
    import api.v1.customers

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.v1.customers, "page", boom)
    client.raise_request_exception = False
    response = client.get("/api/v1/customers", headers=auth(make_key()))
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "boom" not in response.content.decode()


def test_openapi_schema_and_docs_page(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/customers/{ref}/credit" in schema["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "img-src 'self' data:" in docs["Content-Security-Policy"]
    # Other pages keep the strict policy.
    assert "data:" not in client.get("/").get("Content-Security-Policy", "")
