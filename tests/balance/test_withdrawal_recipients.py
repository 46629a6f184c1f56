"""Who is told of a withdrawal request: the configured staff addresses, else the
Manager group, else ADMINS; the settings and withdrawals pages say who, and warn
when nobody is."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from balance.models import BalanceSettings
from balance.services.payout import payout_details_save
from core.models import SentEmail
from tests.balance.support import credit
from tests.core.factories import StaffFactory

pytestmark = pytest.mark.django_db

WITHDRAW = "/account/credits/withdraw/"


@pytest.fixture
def withdrawals_on():
    row = BalanceSettings.load()
    row.withdrawals_enabled = True
    row.withdrawal_minimum = Decimal("20.00")
    row.staff_notification_emails = ""
    row.save()
    return row


def ask(customer_client, customer, capture):
    credit(customer, "100.00")
    payout_details_save(
        customer=customer,
        account_holder="Marta Neri",
        iban="IT60X0542811101000000123456",
        paypal_email="",
    )
    with capture(execute=True):
        response = customer_client.post(
            WITHDRAW, {"amount": "25,00", "nonce": uuid.uuid4()}
        )
    assert response.status_code == 302
    return set(
        SentEmail.objects.filter(template="balance_withdrawal_requested").values_list(
            "to", flat=True
        )
    )


def test_with_no_address_set_the_managers_are_told(
    customer_client, customer, withdrawals_on, django_capture_on_commit_callbacks
):
    manager = StaffFactory(groups=["Manager"], email="boss@example.com")
    StaffFactory(groups=["Manager"], email="gone@example.com", is_active=False)
    StaffFactory(groups=["Staff"], email="clerk@example.com")

    told = ask(customer_client, customer, django_capture_on_commit_callbacks)

    assert told == {manager.email}


def test_with_no_manager_the_admins_are_told(
    customer_client,
    customer,
    withdrawals_on,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.ADMINS = [("Ops", "ops@example.com")]

    told = ask(customer_client, customer, django_capture_on_commit_callbacks)

    assert told == {"ops@example.com"}


def test_configured_addresses_come_before_the_managers(
    customer_client, customer, withdrawals_on, django_capture_on_commit_callbacks
):
    StaffFactory(groups=["Manager"], email="boss@example.com")
    withdrawals_on.staff_notification_emails = "payouts@example.com"
    withdrawals_on.save()

    told = ask(customer_client, customer, django_capture_on_commit_callbacks)

    assert told == {"payouts@example.com"}


@pytest.mark.parametrize("page", ["balance:settings", "balance:withdrawals"])
def test_the_pages_say_who_is_told(client, withdrawals_on, page):
    manager = StaffFactory(groups=["Manager"], email="boss@example.com")
    client.force_login(manager)

    html = client.get(reverse(page)).content.decode()

    assert 'data-source="managers"' in html
    assert "e-mailed to the Manager group" in html
    assert "boss@example.com" in html


@pytest.mark.parametrize("page", ["balance:settings", "balance:withdrawals"])
def test_the_pages_warn_when_nobody_is_told(client, withdrawals_on, settings, page):
    settings.ADMINS = []
    # A superuser outside the Manager group: no manager to fall back on.
    client.force_login(StaffFactory(is_superuser=True, email="root@example.com"))

    html = client.get(reverse(page)).content.decode()

    assert 'data-source="nobody"' in html
    assert "Nobody is e-mailed when a customer asks for a withdrawal" in html
    assert 'role="alert"' in html
