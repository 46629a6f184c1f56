"""Payout details are personal data: staff see them in full only with the permission
``balance.view_payout_details_unmasked``, everywhere the backoffice shows them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from balance.models import PayoutDetailsChange
from balance.services import withdrawal_request
from balance.services.payout import payout_details_save, payout_snapshot
from tests.balance.support import credit, key
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

IBAN = "DE89370400440532013000"
IBAN_GROUPED = "DE89 3704 0044 0532 0130 00"
IBAN_MASKED = "DE•• •••• •••• 3000"
PAYPAL = "anna.rossi@example.com"
PAYPAL_MASKED = "a•••@example.com"
PAGE_PERMISSIONS = (
    "customers.view_customer",
    "balance.view_entry",
    "balance.view_withdrawal",
)


def staff_with(*codenames):
    user = StaffFactory()
    for codename in codenames:
        app, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=name)
        )
    return user


@pytest.fixture
def customer_with_request():
    customer = CustomerFactory()
    payout_details_save(
        customer=customer, account_holder="Anna Rossi", iban=IBAN, paypal_email=PAYPAL
    )
    # Saved long ago: a request right after a change is flagged with the change,
    # whose record keeps masked values only (see test_staff_views).
    PayoutDetailsChange.objects.filter(customer=customer).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    credit(customer, "80.00")
    withdrawal_request(
        customer_id=customer.pk,
        amount=Decimal("30.00"),
        payout_details=payout_snapshot(customer),
        idempotency_key=key(),
    )
    return customer


def pages(customer) -> list[str]:
    return [reverse("balance:withdrawals"), reverse("balance:tab", args=[customer.pk])]


def test_staff_with_the_permission_see_payout_details_in_full(
    client, customer_with_request
):
    client.force_login(
        staff_with(*PAGE_PERMISSIONS, "balance.view_payout_details_unmasked")
    )

    for url in pages(customer_with_request):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert IBAN_GROUPED in html, url
        assert PAYPAL in html, url
        assert "Anna Rossi" in html, url
        assert "•" not in html, url


def test_staff_without_the_permission_see_payout_details_masked(
    client, customer_with_request
):
    client.force_login(staff_with(*PAGE_PERMISSIONS))

    for url in pages(customer_with_request):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert IBAN_MASKED in html, url
        assert PAYPAL_MASKED in html, url
        for secret in (IBAN, IBAN_GROUPED, "3704 0044 0532", PAYPAL):
            assert secret not in html, (url, secret)


def test_managers_see_them_masked_unless_granted_the_permission(
    client, customer_with_request
):
    client.force_login(StaffFactory(groups=["Manager"]))

    html = client.get(reverse("balance:withdrawals")).content.decode()

    assert IBAN_MASKED in html
    assert PAYPAL not in html


def test_the_tab_shows_nothing_when_the_customer_has_no_payout_details(client):
    customer = CustomerFactory()
    client.force_login(staff_with(*PAGE_PERMISSIONS))

    response = client.get(reverse("balance:tab", args=[customer.pk]))

    assert response.context["payout_lines"] == {}
    assert 'data-testid="balance-payout"' not in response.content.decode()


def test_details_changed_after_the_request_keep_the_requests_copy(
    client, customer_with_request
):
    payout_details_save(
        customer=customer_with_request,
        account_holder="Anna Rossi",
        iban="",
        paypal_email="new.address@example.com",
    )
    client.force_login(
        staff_with(*PAGE_PERMISSIONS, "balance.view_payout_details_unmasked")
    )

    withdrawals = client.get(reverse("balance:withdrawals")).content.decode()
    tab = client.get(
        reverse("balance:tab", args=[customer_with_request.pk])
    ).content.decode()

    assert IBAN_GROUPED in withdrawals and PAYPAL in withdrawals
    assert "new.address@example.com" in tab and IBAN_GROUPED not in tab
