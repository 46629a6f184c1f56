import re

import pytest
from django.core import mail

from tests.core.factories import PASSWORD

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
