"""Headers on every page: the Content-Security-Policy, private caching, cookies."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from customers.services import history as history_services
from tests.customers.factories import CustomerFactory
from tests.customers.history_helpers import pdf

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_carry_a_policy_without_inline_script_or_style(client, staff_client):
    for response in (client.get("/account/login/"), staff_client.get("/staff/")):
        assert response.status_code == 200
        directives = policy(response)
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["form-action"] == ["'self'"]


def test_staff_pages_hold_no_inline_script_handler_or_style(staff_client):
    customer = CustomerFactory()
    customer.tags.create(name="VIP", colour="#c01c28")
    for path in ("/staff/", "/staff/customers/", f"/staff/customers/{customer.pk}/"):
        html = staff_client.get(path).content.decode().lower()
        # Files and JSON data blocks (json_script: a pinned report's chart) are
        # allowed; a script written into the page is not.
        without_allowed = re.sub(
            r'<script (src=|id="[^"]*" type="application/json">)', "", html
        )
        assert "<script>" not in html and "<script " not in without_allowed
        assert " onchange=" not in html and " onclick=" not in html
        assert " style=" not in html
        assert "javascript:" not in html


def test_authenticated_pages_are_not_kept_by_caches(client, staff_user, customer):
    responses = []
    for user, path in ((staff_user, "/staff/"), (customer.user, "/account/")):
        client.force_login(user)
        responses.append(client.get(path))
    for response in responses:
        assert response.status_code == 200
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache_control


def test_downloads_are_not_kept_by_caches(client, staff_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    customer = CustomerFactory()
    action = history_services.action_create(
        customer=customer, actor=staff_user, title="Offer", attachments=[pdf()]
    )
    attachment = action.attachments.get()
    client.force_login(staff_user)

    response = client.get(
        f"/staff/customers/{customer.pk}/attachments/{attachment.pk}/"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"


def test_a_view_that_sets_its_own_cache_control_keeps_it(client):
    response = client.get(reverse("account:login"))
    # The login page is never_cache: Django's own header stays as it is.
    assert "must-revalidate" in response["Cache-Control"]


@override_settings(
    LANGUAGE_COOKIE_SECURE=True,
    LANGUAGE_COOKIE_HTTPONLY=True,
    LANGUAGE_COOKIE_SAMESITE="Lax",
)
def test_language_cookie_is_secure_and_http_only_when_asked(client, customer):
    switched = client.post(
        "/i18n/language/", {"language": "es", "next": "/account/login/"}
    )
    cookie = switched.cookies["django_language"]
    assert (cookie.value, cookie["secure"], cookie["httponly"]) == ("es", True, True)
    assert cookie["samesite"] == "Lax"

    client.cookies.clear()
    client.force_login(customer.user)
    remembered = client.get("/account/").cookies["django_language"]
    assert remembered["secure"] is True and remembered["httponly"] is True


@pytest.mark.parametrize(
    ("session_secure", "expected"), [("true", "True"), ("false", "False")]
)
def test_language_cookie_follows_the_session_cookie_setting(session_secure, expected):
    environment = {**os.environ, "SESSION_COOKIE_SECURE": session_secure}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; print(settings.LANGUAGE_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected
