"""Settings → API keys: Managers create (secret shown once, stored hashed) and
revoke keys; Staff do not see the page."""

from __future__ import annotations

import hashlib
import re

import pytest

from api.models import ApiKey
from tests.api.support import get

pytestmark = pytest.mark.django_db

URL = "/staff/settings/api-keys/"


def test_manager_creates_a_key_shown_once_stored_hashed(client, manager_user):
    client.force_login(manager_user)
    response = client.post(
        URL, {"name": "Shop CRM", "scopes": ["customers:read", "balance:write"]}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    secret = re.search(r'data-testid="api-key-secret">(clt_[^<]+)<', html).group(1)
    api_key = ApiKey.objects.get()
    assert api_key.name == "Shop CRM"
    assert api_key.scopes == ["customers:read", "balance:write"]
    assert api_key.created_by == manager_user
    raw = secret.split("_", 2)[2]
    assert api_key.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.values().get())
    # The key works, and the page never shows it again.
    assert get(client, "/api/v1/customers", secret).status_code == 200
    page = client.get(URL).content.decode()
    assert secret not in page and raw not in page
    assert f"clt_{api_key.prefix}_" in page


def test_create_needs_a_name_and_a_scope(client, manager_user):
    client.force_login(manager_user)
    response = client.post(URL, {"name": ""})
    assert response.status_code == 400
    assert "Pick at least one thing the key may do." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_manager_revokes_a_key(client, manager_user):
    client.force_login(manager_user)
    client.post(URL, {"name": "Old", "scopes": ["customers:read"]})
    api_key = ApiKey.objects.get()
    response = client.post(f"{URL}{api_key.pk}/revoke/")
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_key.revoked_by == manager_user
    assert "Revoked" in client.get(URL).content.decode()


def test_staff_without_permission_get_403(client, staff_user):
    client.force_login(staff_user)
    assert client.get(URL).status_code == 403
    assert (
        client.post(URL, {"name": "x", "scopes": ["customers:read"]}).status_code == 403
    )
    assert not ApiKey.objects.exists()


def test_settings_index_lists_the_page_for_managers(client, manager_user, staff_user):
    client.force_login(manager_user)
    assert URL in client.get("/staff/settings/").content.decode()
    client.force_login(staff_user)
    assert URL not in client.get("/staff/settings/").content.decode()
