import itertools
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.models import SentEmail
from tests.core.factories import PASSWORD
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db


def test_customer_logs_in_with_email_and_password(client, customer):
    response = client.post(
        "/account/login/", {"username": customer.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    page = client.get("/account/").content.decode()
    assert f"Welcome, {customer.first_name}" in page


def test_customer_area_needs_login(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_staff_without_customer_profile_cannot_use_the_customer_area(
    client, staff_user
):
    response = client.post(
        "/account/login/", {"username": staff_user.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    client.force_login(staff_user)
    assert client.get("/account/").status_code == 404


def test_customer_logs_out(customer_client):
    response = customer_client.post("/account/logout/")
    assert response.status_code == 302
    assert customer_client.get("/account/").status_code == 302


def test_customer_area_speaks_the_customers_language(client, customer):
    customer.language = "it"
    customer.save()
    client.force_login(customer.user)
    page = client.get("/account/").content.decode()
    assert '<html lang="it">' in page
    assert "Benvenuto" in page


def test_password_reset_by_email(client, customer, django_capture_on_commit_callbacks):
    customer.language = "es"
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/password-reset/", {"email": customer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert message.subject == "Elige una nueva contraseña"
    link = re.search(r"https?://[^/\s]+(/account/reset/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {
            "new_password1": "a-brand-new-pass-42",
            "new_password2": "a-brand-new-pass-42",
        },
    )
    assert response.status_code == 302
    assert client.login(username=customer.email, password="a-brand-new-pass-42")


def test_password_reset_for_unknown_email_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/password-reset/", {"email": "nobody@x.org"})
    assert response.status_code == 302
    assert mail.outbox == []


# --- Password reset limits (issue 10, item 8) ---


@pytest.fixture
def ticking_reset_tokens(monkeypatch):
    """Each reset asked gets a new token (as it does a few seconds apart): the
    limits, not the e-mail's de-duplication, are what stops the e-mails."""
    from django.contrib.auth.tokens import default_token_generator

    start = timezone.now()
    ticks = itertools.count()
    monkeypatch.setattr(
        default_token_generator,
        "_now",
        lambda: (start + timedelta(seconds=next(ticks))).replace(tzinfo=None),
    )


def ask_reset(client, email, **extra):
    response = client.post("/account/password-reset/", {"email": email}, **extra)
    assert response.status_code == 302
    assert response["Location"] == "/account/password-reset/sent/"
    return response


def test_password_reset_is_limited_per_address(
    client, customer, settings, ticking_reset_tokens, django_capture_on_commit_callbacks
):
    assert settings.CLIENTELA_PASSWORD_RESET_PER_EMAIL_PER_HOUR == 3
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(8):
            # From a new address each time: the per-address limit holds alone.
            ask_reset(client, customer.email.upper(), REMOTE_ADDR=f"192.0.2.{_attempt}")
    assert len(mail.outbox) == 3
    assert SentEmail.objects.filter(template="password_reset").count() == 3
    assert len({message.body for message in mail.outbox}) == 3


def test_password_reset_is_limited_per_client_address(
    client, settings, ticking_reset_tokens, django_capture_on_commit_callbacks
):
    settings.CLIENTELA_PASSWORD_RESET_PER_IP_PER_HOUR = 4
    customers = CustomerWithLoginFactory.create_batch(6)
    with django_capture_on_commit_callbacks(execute=True):
        for customer in customers:
            ask_reset(client, customer.email, REMOTE_ADDR="203.0.113.9")
        ask_reset(client, customers[-1].email, REMOTE_ADDR="198.51.100.1")
    assert [message.to for message in mail.outbox] == [
        [customer.email] for customer in [*customers[:4], customers[-1]]
    ]


def test_password_reset_answers_the_same_when_limited(
    client, customer, settings, ticking_reset_tokens, django_capture_on_commit_callbacks
):
    settings.CLIENTELA_PASSWORD_RESET_PER_EMAIL_PER_HOUR = 1
    with django_capture_on_commit_callbacks(execute=True):
        sent = ask_reset(client, customer.email)
        limited = ask_reset(client, customer.email)
    assert len(mail.outbox) == 1
    assert sent["Location"] == limited["Location"]
    page = client.get(limited["Location"]).content.decode()
    assert "Check your inbox" in page


def test_password_reset_limit_counts_only_the_last_hour(
    client, customer, settings, ticking_reset_tokens, django_capture_on_commit_callbacks
):
    settings.CLIENTELA_PASSWORD_RESET_PER_EMAIL_PER_HOUR = 1
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, customer.email)
    SentEmail.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, customer.email)
    assert len(mail.outbox) == 2


def test_password_reset_reads_the_client_address_behind_a_trusted_proxy(
    client, settings, ticking_reset_tokens, django_capture_on_commit_callbacks
):
    """TRUSTED_PROXY_COUNT=1: clients behind the proxy do not share its limit."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.IPWARE_STRICT = False
    settings.CLIENTELA_PASSWORD_RESET_PER_IP_PER_HOUR = 1
    first, second = CustomerWithLoginFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, first.email, HTTP_X_FORWARDED_FOR="203.0.113.9")
        ask_reset(client, second.email, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert len(mail.outbox) == 2
    assert set(SentEmail.objects.values_list("context__client_ip", flat=True)) == {
        "203.0.113.9",
        "198.51.100.1",
    }
