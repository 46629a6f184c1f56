"""The account takeover of the security issue, end to end through the requests.

A Staff-group user set customer X's password on the card's Login tab, logged in as
X for real, saved their own IBAN and asked for X's balance. Now the first step is
refused; and when a password is set by someone allowed to (a Manager), the customer
is told, the payout change is recorded and e-mailed, and the withdrawal that
follows waits for a confirmation that names the change.
"""

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from balance.models import (
    BalanceSettings,
    PayoutDetails,
    PayoutDetailsChange,
    Withdrawal,
)
from balance.services.payout import payout_details_save
from core.models import SentEmail
from customers.models import CustomerEvent
from tests.balance.support import credit
from tests.core.factories import PASSWORD
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

STOLEN = "a-brand-new-pass-42"
VICTIM_IBAN = "IT60X0542811101000000123456"
ATTACKER_IBAN = "DE89370400440532013000"


@pytest.fixture
def victim():
    row = BalanceSettings.load()
    row.withdrawals_enabled = True
    row.withdrawal_minimum = Decimal("10.00")
    row.save()
    customer = CustomerWithLoginFactory(email="x@example.com", first_name="Xenia")
    credit(customer, "100.00")
    payout_details_save(
        customer=customer,
        account_holder="Xenia Rossi",
        iban=VICTIM_IBAN,
        paypal_email="",
    )
    # The details were set up long ago: only what the chain does counts.
    PayoutDetailsChange.objects.all().delete()
    SentEmail.objects.all().delete()
    return customer


def log_in_as(email: str, password: str) -> Client:
    client = Client()
    response = client.post("/account/login/", {"username": email, "password": password})
    assert response.status_code == 302, "the login was refused"
    return client


def test_staff_group_user_cannot_take_over_a_customers_account(
    staff_client, victim, django_capture_on_commit_callbacks
):
    password_hash = victim.user.password

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/staff/customers/{victim.pk}/login/",
            {"password": STOLEN, "password_confirm": STOLEN},
        )

    assert response.status_code == 403
    assert "You do not have permission" in response.content.decode()
    victim.user.refresh_from_db()
    assert victim.user.password == password_hash
    refused = Client().post(
        "/account/login/", {"username": victim.email, "password": STOLEN}
    )
    assert refused.status_code == 200
    assert "_auth_user_id" not in refused.client.session
    assert log_in_as(victim.email, PASSWORD)  # the customer's own password works
    assert (
        not CustomerEvent.objects.filter(customer=victim)
        .exclude(kind=CustomerEvent.Kind.LOGGED_IN)
        .exists()
    )
    assert mail.outbox == []
    assert not Withdrawal.objects.exists()


def test_the_rest_of_the_chain_is_told_recorded_and_held_for_a_second_look(
    manager_user, victim, django_capture_on_commit_callbacks
):
    """Even with a password a Manager set, nothing goes unnoticed."""
    manager = Client()
    manager.force_login(manager_user)
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(
            f"/staff/customers/{victim.pk}/login/",
            {"password": STOLEN, "password_confirm": STOLEN},
        )
        taker = log_in_as(victim.email, STOLEN)
        taker.post(
            "/account/credits/payout/",
            {
                "account_holder": "Someone Else",
                "iban": ATTACKER_IBAN,
                "paypal_email": "",
                "current_password": STOLEN,
            },
        )
        taker.post(
            "/account/credits/withdraw/",
            {"amount": "100", "nonce": uuid.uuid4()},
        )

    subjects = [(m.to, m.subject) for m in mail.outbox]
    assert (["x@example.com"], "Your Clientela password was changed by our staff") in (
        subjects
    )
    assert (["x@example.com"], "Your payout details changed") in subjects
    assert all(STOLEN not in m.body for m in mail.outbox)
    change = PayoutDetailsChange.objects.get(customer=victim)
    assert change.fields == ["iban", "account_holder", "bank_name"]
    assert PayoutDetails.objects.get(customer=victim).iban_last4 == "3000"
    withdrawal = Withdrawal.objects.get(customer=victim)
    assert withdrawal.payout_change == change

    listing = manager.get(reverse("balance:withdrawals")).content.decode()
    assert "Payout details changed just before" in listing
    refused = manager.post(
        reverse("balance:withdrawal_action", args=[withdrawal.pk, "approve"])
    )
    assert refused.status_code == 400
    assert "IBAN: IT•• •••• •••• 3456 → DE•• •••• •••• 3000" in (
        refused.content.decode()
    )
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PENDING
