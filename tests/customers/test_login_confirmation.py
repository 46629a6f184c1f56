"""A customer logs in only once their e-mail address is confirmed
(``CLIENTELA_LOGIN_REQUIRES_CONFIRMED_EMAIL``)."""

import pytest
from django.core import mail
from django.test import Client, override_settings

from core.models import SentEmail
from tests.core.factories import PASSWORD
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory
from tests.customers.test_login_access import NONCE, confirmation_link, login_url

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"
RESEND = "/account/login/confirmation/"
UNCONFIRMED = "Confirm your e-mail address first: we sent you a link."


@pytest.fixture
def manager_client(manager_user):
    client = Client()
    client.force_login(manager_user)
    return client


def log_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def confirmations(email):
    return SentEmail.objects.filter(template="email_confirmation", to=email)


def test_unconfirmed_customer_with_the_right_password_is_refused_with_resend():
    customer = CustomerWithLoginFactory(email_confirmed_at=None)
    client = Client()
    response = log_in(client, customer.email)
    page = response.content.decode()
    assert response.status_code == 200
    assert UNCONFIRMED in page
    assert "Send the link again" in page
    assert f'value="{customer.email}"' in page
    assert "_auth_user_id" not in client.session
    assert client.get("/account/").status_code == 302


def test_unconfirmed_customer_with_a_wrong_password_learns_nothing():
    customer = CustomerWithLoginFactory(email_confirmed_at=None)
    page = log_in(Client(), customer.email, "wrong-password").content.decode()
    assert "The e-mail or the password is not right" in page
    assert "Confirm your e-mail" not in page
    assert "Send the link again" not in page
    assert not confirmations(customer.email).exists()


@override_settings(CLIENTELA_LOGIN_REQUIRES_CONFIRMED_EMAIL=False)
def test_the_setting_lets_an_unconfirmed_customer_log_in():
    customer = CustomerWithLoginFactory(email_confirmed_at=None)
    response = log_in(Client(), customer.email)
    assert response.status_code == 302


def test_a_confirmed_customer_logs_in():
    customer = CustomerWithLoginFactory()
    assert log_in(Client(), customer.email).status_code == 302


def test_a_login_never_sent_a_confirmation_gets_one_at_its_first_refusal(
    django_capture_on_commit_callbacks,
):
    customer = CustomerWithLoginFactory(email_confirmed_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        log_in(Client(), customer.email)
        log_in(Client(), customer.email)
    assert len(mail.outbox) == 1
    assert confirmations(customer.email).count() == 1
    # The link it sent confirms, and the login then works.
    client = Client()
    client.post(confirmation_link(mail.outbox[0]))
    assert log_in(client, customer.email).status_code == 302


def test_enable_login_from_the_card_sends_the_confirmation_request(
    manager_client, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(email="wait@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(login_url(customer, "enable"), follow=True)
    page = response.content.decode()
    assert "must confirm their e-mail address before they can log in" in page
    assert 'data-confirmation-required="yes"' in page
    assert [m.to for m in mail.outbox] == [["wait@example.com"]]
    assert confirmations("wait@example.com").count() == 1
    customer.refresh_from_db()
    customer.user.set_password(PASSWORD)
    customer.user.save()
    assert UNCONFIRMED in log_in(Client(), customer.email).content.decode()
    client = Client()
    client.post(confirmation_link(mail.outbox[0]))
    assert log_in(client, customer.email).status_code == 302
    page = manager_client.get(login_url(customer)).content.decode()
    assert "data-confirmation-required" not in page


def test_enable_login_of_a_confirmed_customer_sends_nothing(
    manager_client, django_capture_on_commit_callbacks
):
    customer = CustomerWithLoginFactory()
    customer.user.is_active = False
    customer.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(login_url(customer, "enable"))
    assert mail.outbox == []


def test_credentials_of_an_unconfirmed_customer_send_the_confirmation_too(
    manager_client, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(email="cred@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            login_url(customer, "credentials"), {"nonce": NONCE}, follow=True
        )
        manager_client.post(login_url(customer, "credentials"), {"nonce": NONCE})
    assert "must confirm their e-mail address" in response.content.decode()
    templates = sorted(SentEmail.objects.values_list("template", flat=True))
    assert templates == ["credentials", "email_confirmation"]


def test_enable_then_credentials_send_one_confirmation_request(
    manager_client, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(email="both@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(login_url(customer, "enable"))
        manager_client.post(login_url(customer, "credentials"), {"nonce": NONCE})
    assert confirmations("both@example.com").count() == 1
    assert len(mail.outbox) == 2


def test_resend_sends_a_new_link_that_confirms(django_capture_on_commit_callbacks):
    customer = CustomerWithLoginFactory(email_confirmed_at=None)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND, {"email": customer.email.upper()}, follow=True)
    assert "we sent a new link" in response.content.decode()
    assert len(mail.outbox) == 1
    client.post(confirmation_link(mail.outbox[0]))
    assert log_in(client, customer.email).status_code == 302


@pytest.mark.parametrize("case", ["unknown", "confirmed", "no_login", "disabled"])
def test_resend_answers_the_same_and_sends_nothing_when_it_should_not(case):
    email = "someone@example.com"
    if case == "confirmed":
        CustomerWithLoginFactory(email=email)
    elif case == "no_login":
        CustomerFactory(email=email)
    elif case == "disabled":
        customer = CustomerWithLoginFactory(email=email, email_confirmed_at=None)
        customer.user.is_active = False
        customer.user.save()
    response = Client().post(RESEND, {"email": email})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "If this address is waiting to be confirmed, we sent a new link to it. "
        "Check your inbox, then log in."
    ]
    assert not SentEmail.objects.exists()


@override_settings(CLIENTELA_CONFIRMATION_RESEND_PER_EMAIL_PER_HOUR=2)
def test_resend_is_limited_per_address():
    customer = CustomerWithLoginFactory(email_confirmed_at=None)
    for _ in range(4):
        assert Client().post(RESEND, {"email": customer.email}).status_code == 302
    assert confirmations(customer.email).count() == 2


@override_settings(CLIENTELA_CONFIRMATION_RESEND_PER_IP_PER_HOUR=2)
def test_resend_is_limited_per_client_address():
    emails = [CustomerWithLoginFactory(email_confirmed_at=None).email for _ in range(3)]
    client = Client(REMOTE_ADDR="203.0.113.9")
    for email in emails:
        client.post(RESEND, {"email": email})
    assert SentEmail.objects.filter(template="email_confirmation").count() == 2
    Client(REMOTE_ADDR="203.0.113.10").post(RESEND, {"email": emails[2]})
    assert confirmations(emails[2]).count() == 1


def test_resend_answers_only_post():
    assert Client().get(RESEND).status_code == 405


def test_staff_log_in_to_the_backoffice_as_before(staff_user):
    response = Client().post(
        "/staff/login/", {"username": staff_user.email, "password": PASSWORD}
    )
    assert response.status_code == 302


def test_staff_can_log_in_as_an_unconfirmed_customer(manager_client):
    customer = CustomerWithLoginFactory(email_confirmed_at=None)
    response = manager_client.post(f"/staff/customers/{customer.pk}/impersonate/")
    assert response["Location"] == "/account/"
    assert manager_client.get("/account/").status_code == 200
