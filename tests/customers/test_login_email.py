"""The e-mail a customer logs in with is a Manager's to change (issue 10, item 1).

A Staff user (with "change customer") edited the e-mail of a customer who has a
login on the card's Personal data tab; the login followed it, and "Forgot your
password?" then sent the reset link to the attacker's address, while the old one
was never told. Now only staff with ``customers.change_customer_login_email`` may,
the timeline names who did and both addresses, and the old address is e-mailed.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from core.models import SentEmail
from customers import services
from customers.models import Customer, CustomerEvent
from tests.core.factories import PASSWORD
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

ATTACKER = "attacker@evil.example"
REFUSAL = "logs in with this e-mail: ask a manager to change it"


@pytest.fixture
def victim():
    return CustomerWithLoginFactory(
        email="ana@example.com", first_name="Ana", last_name="Rossi", language="it"
    )


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def card_url(customer) -> str:
    return f"/staff/customers/{customer.pk}/"


def card_post(customer, **overrides) -> dict:
    """The Personal data form as the card shows it, with ``overrides``; a value
    None leaves the field out (as a browser does with a disabled field)."""
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "language": customer.language,
        "country": customer.country,
        **overrides,
    }
    return {name: value for name, value in data.items() if value is not None}


def email_input(page: str) -> str:
    start = page.index('name="email"')
    return page[page.rindex("<input", 0, start) : page.index(">", start) + 1]


def test_staff_post_changing_a_login_email_is_refused_and_changes_nothing(
    staff_client, victim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            card_url(victim), card_post(victim, email=ATTACKER, first_name="Edited")
        )

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert REFUSAL in response.context["form"].errors["email"][0]
    customer = Customer.objects.select_related("user").get(pk=victim.pk)
    assert customer.email == "ana@example.com"
    assert customer.user.email == "ana@example.com"
    assert customer.first_name == "Ana"  # the whole post is refused
    assert not CustomerEvent.objects.filter(customer=victim).exists()
    assert not SentEmail.objects.exists()
    assert mail.outbox == []


def test_staff_see_a_login_email_read_only_and_still_save_the_rest(
    staff_client, victim
):
    page = staff_client.get(card_url(victim)).content.decode()
    assert "disabled" in email_input(page)
    assert "only a manager can change it." in page

    # A browser does not send a disabled field: the rest of the form saves.
    response = staff_client.post(
        card_url(victim), card_post(victim, email=None, first_name="Anna")
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.first_name == "Anna"
    assert victim.email == "ana@example.com"
    # The same address in other capitals is no change either.
    response = staff_client.post(
        card_url(victim), card_post(victim, email="ANA@Example.com")
    )
    assert response.status_code == 302
    assert not SentEmail.objects.exists()


def test_manager_changes_a_login_email_recorded_and_the_old_address_told(
    manager_client, manager_user, victim, django_capture_on_commit_callbacks
):
    page = manager_client.get(card_url(victim)).content.decode()
    assert "disabled" not in email_input(page)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            card_url(victim), card_post(victim, email="Ana.New@Example.com")
        )

    assert response.status_code == 302
    customer = Customer.objects.select_related("user").get(pk=victim.pk)
    assert customer.email == "ana.new@example.com"
    assert customer.user.email == "ana.new@example.com"
    event = CustomerEvent.objects.get(
        customer=victim, kind=CustomerEvent.Kind.LOGIN_EMAIL_CHANGED
    )
    assert event.actor == manager_user
    assert event.data == {
        "old_email": "ana@example.com",
        "new_email": "ana.new@example.com",
        "changed_by": manager_user.pk,
        "changed_by_email": manager_user.email,
    }
    assert "ana@example.com" in event.detail and "ana.new@example.com" in event.detail
    (message,) = mail.outbox
    assert message.to == ["ana@example.com"]
    assert "cambiata dal nostro staff" in message.subject  # in Italian
    assert "da ana@example.com a ana.new@example.com" in message.body
    assert "contattaci subito" in message.body
    # In the customer's language (Italian here).
    assert SentEmail.objects.get().language == "it"
    assert message.body.startswith("Ciao Ana,")
    assert "Questo è un messaggio automatico" in message.alternatives[0][0]
    assert Client().login(username="ana.new@example.com", password=PASSWORD)


def test_staff_still_change_the_email_of_a_customer_without_a_login(
    staff_client, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(email="lead@example.com", user=None)
    page = staff_client.get(card_url(customer)).content.decode()
    assert "disabled" not in email_input(page)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            card_url(customer), card_post(customer, email="lead.new@example.com")
        )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.email == "lead.new@example.com"
    assert not CustomerEvent.objects.filter(
        kind=CustomerEvent.Kind.LOGIN_EMAIL_CHANGED
    ).exists()
    assert mail.outbox == []


def test_the_takeover_chain_sends_no_reset_link_to_the_attacker(
    staff_client, victim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(card_url(victim), card_post(victim, email=ATTACKER))
        response = Client().post("/account/password-reset/", {"email": ATTACKER})

    assert response.status_code == 302  # the same answer as for any address
    assert [message.to for message in mail.outbox if ATTACKER in message.to] == []
    assert not SentEmail.objects.filter(to=ATTACKER).exists()
    victim.user.refresh_from_db()
    assert victim.user.email == "ana@example.com"
    assert victim.user.check_password(PASSWORD)


def test_the_customers_own_confirmed_change_does_not_mail_the_old_address(
    client, victim, django_capture_on_commit_callbacks
):
    client.force_login(victim.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/profile/email/",
            {"email": "ana.own@example.com", "current_password": PASSWORD},
        )

    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.email == "ana.own@example.com"
    assert [message.to for message in mail.outbox] == [["ana.own@example.com"]]
    assert not SentEmail.objects.filter(template="login_email_changed_by_staff")
    assert not CustomerEvent.objects.filter(
        kind=CustomerEvent.Kind.LOGIN_EMAIL_CHANGED
    ).exists()


def test_customer_update_checks_the_actor_for_a_login_email(
    staff_user, manager_user, victim
):
    with pytest.raises(ValidationError) as error:
        services.customer_update(customer=victim, actor=staff_user, email=ATTACKER)
    assert error.value.error_dict["email"][0].code == "permission"
    assert REFUSAL in str(error.value.message_dict["email"])
    victim.refresh_from_db()
    assert victim.email == "ana@example.com"

    # The other fields, and the system (no actor), are not held back.
    services.customer_update(customer=victim, actor=staff_user, first_name="Anna")
    services.customer_update(customer=victim, email="ana.system@example.com")
    assert not CustomerEvent.objects.exists()
    services.customer_update(
        customer=victim, actor=manager_user, email="ana.manager@example.com"
    )
    victim.refresh_from_db()
    assert victim.email == "ana.manager@example.com"
    assert CustomerEvent.objects.get().kind == CustomerEvent.Kind.LOGIN_EMAIL_CHANGED


def test_only_the_manager_group_may_change_a_login_email(staff_user, manager_user):
    permission = "customers.change_customer_login_email"
    assert manager_user.has_perm(permission)
    assert not staff_user.has_perm(permission)
    assert staff_user.has_perm("customers.change_customer")
