"""The login lockout (django-axes) on the staff, customer-area and admin logins.

One account has one counter, whatever the case of the e-mail typed, and the client's
address is the connection's unless trusted proxies are configured.
"""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from core.models import User
from tests.core.factories import PASSWORD, StaffFactory, UserFactory
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

LOGINS = {
    "staff": "/staff/login/",
    "customer": "/account/login/",
    "admin": "/admin/login/",
}


def account_for(login: str, email: str) -> User:
    if login == "staff":
        return StaffFactory(email=email)
    if login == "customer":
        return CustomerWithLoginFactory(email=email).user
    return UserFactory(email=email, is_staff=True, is_superuser=True)


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    return settings


def fail(client, url, email, times):
    for _attempt in range(times):
        response = client.post(url, {"username": email, "password": "wrong-guess"})
        assert response.status_code in (200, 429)


@pytest.mark.parametrize("login", LOGINS)
def test_a_case_variant_of_a_locked_email_is_locked_too(client, axes_on, login):
    url = LOGINS[login]
    account_for(login, "lockme@example.com")
    fail(client, url, "lockme@example.com", axes_on.AXES_FAILURE_LIMIT)

    response = client.post(
        url, {"username": "LOCKME@EXAMPLE.COM", "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The variant did not clear the lock: the exact address is still refused.
    response = client.post(
        url, {"username": "lockme@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("login", LOGINS)
def test_case_variants_share_one_counter(client, axes_on, login):
    url = LOGINS[login]
    account_for(login, "lockme@example.com")
    variants = ["lockme@example.com", "LOCKME@example.com", " LockMe@Example.COM"]
    for attempt in range(axes_on.AXES_FAILURE_LIMIT):
        fail(client, url, variants[attempt % len(variants)], 1)

    response = client.post(
        url, {"username": "Lockme@example.com", "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [
        "lockme@example.com"
    ]


def test_a_locked_email_does_not_lock_another_account(client, axes_on):
    StaffFactory(email="lockme@example.com")
    other = StaffFactory(email="other@example.com")
    fail(client, LOGINS["staff"], "lockme@example.com", axes_on.AXES_FAILURE_LIMIT)
    response = client.post(
        LOGINS["staff"], {"username": other.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_login_below_the_limit_resets_the_counter_for_every_variant(client, axes_on):
    StaffFactory(email="lockme@example.com")
    url = LOGINS["staff"]
    fail(client, url, "LOCKME@example.com", axes_on.AXES_FAILURE_LIMIT - 1)
    response = client.post(
        url, {"username": "lockme@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_forwarded_for_is_ignored_without_trusted_proxies(axes_on):
    """Off by default: a client cannot dodge the lockout by inventing addresses."""
    StaffFactory(email="lockme@example.com")
    url = LOGINS["staff"]
    for attempt in range(axes_on.AXES_FAILURE_LIMIT):
        Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}").post(
            url, {"username": "lockme@example.com", "password": "wrong-guess"}
        )
    response = Client(HTTP_X_FORWARDED_FOR="198.51.100.7").post(
        url, {"username": "lockme@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "127.0.0.1"
    }


def test_behind_a_trusted_proxy_each_client_has_its_own_address(axes_on):
    """TRUSTED_PROXY_COUNT=1 (see config/settings.py): the address the proxy saw,
    not the proxy's own, and not what the client wrote in front of it."""
    axes_on.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    axes_on.AXES_IPWARE_PROXY_COUNT = 0
    axes_on.IPWARE_STRICT = False
    StaffFactory(email="lockme@example.com")
    url = LOGINS["staff"]
    for attempt in range(axes_on.AXES_FAILURE_LIMIT):
        # The attacker writes a new address each time; the proxy appends the real one.
        Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 203.0.113.5").post(
            url, {"username": "lockme@example.com", "password": "wrong-guess"}
        )
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.5")
    response = attacker.post(
        url, {"username": "lockme@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = colleague.post(
        url, {"username": "lockme@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) <= {
        "203.0.113.5"
    }
