"""Payout details are personal data: staff see them in full only with the permission
``balance.view_payout_details_unmasked``, everywhere the backoffice shows them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from balance.models import PayoutDetailsAccess, PayoutDetailsChange
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


def test_managers_see_them_in_full_and_each_view_is_recorded(
    client, customer_with_request
):
    """Managers approve and pay withdrawals, so the group has the permission (issue
    11; it used to be the superuser's only); who saw them, where and when is kept
    and shown on the customer's timeline."""
    manager = StaffFactory(groups=["Manager"], first_name="Lia", last_name="Bo")
    client.force_login(manager)

    html = client.get(reverse("balance:withdrawals")).content.decode()

    assert IBAN_GROUPED in html and PAYPAL in html
    (access,) = PayoutDetailsAccess.objects.all()
    assert access.customer == customer_with_request
    assert access.viewer == manager
    assert access.viewer_label == f"Lia Bo <{manager.email}>"
    assert access.page == PayoutDetailsAccess.Page.WITHDRAWALS

    client.get(reverse("balance:tab", args=[customer_with_request.pk]))
    assert list(
        PayoutDetailsAccess.objects.order_by("id").values_list("page", flat=True)
    ) == ["withdrawals", "balance_tab"]

    history = client.get(
        f"/staff/customers/{customer_with_request.pk}/history/"
    ).content.decode()
    assert (
        f"Payout details seen unmasked by Lia Bo &lt;{manager.email}&gt; "
        "on the withdrawals page"
    ) in history
    assert "on the customer card&#x27;s Balance tab" in history


def test_a_masked_view_records_nothing(client, customer_with_request):
    client.force_login(staff_with(*PAGE_PERMISSIONS))

    for url in pages(customer_with_request):
        assert client.get(url).status_code == 200

    assert not PayoutDetailsAccess.objects.exists()


def test_the_withdrawals_page_records_one_row_per_customer_in_one_insert(
    client, customer_with_request
):
    client.force_login(StaffFactory(groups=["Manager"]))
    with CaptureQueriesContext(connection) as one_customer:
        client.get(reverse("balance:withdrawals"))
    PayoutDetailsAccess.objects.all().delete()
    for _index in range(3):
        customer = CustomerFactory()
        payout_details_save(
            customer=customer, account_holder="Ugo", iban=IBAN, paypal_email=""
        )
        credit(customer, "80.00")
        for _request in range(2):  # two requests: still one row for the customer
            withdrawal_request(
                customer_id=customer.pk,
                amount=Decimal("10.00"),
                payout_details=payout_snapshot(customer),
                idempotency_key=key(),
            )

    with CaptureQueriesContext(connection) as four_customers:
        client.get(reverse("balance:withdrawals"))

    assert PayoutDetailsAccess.objects.count() == 4
    assert PayoutDetailsAccess.objects.values("customer").distinct().count() == 4
    assert len(four_customers) == len(one_customer)
    inserts = [
        q["sql"]
        for q in four_customers.captured_queries
        if q["sql"].startswith('INSERT INTO "balance_payoutdetailsaccess"')
    ]
    assert len(inserts) == 1


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


def test_the_bank_is_shown_like_the_holder_on_both_pages(client):
    customer = CustomerFactory()
    payout_details_save(
        customer=customer,
        account_holder="Anna Rossi",
        iban=IBAN,
        bank_name="Commerzbank Filiale Köln",
        paypal_email="",
    )
    credit(customer, "80.00")
    withdrawal_request(
        customer_id=customer.pk,
        amount=Decimal("30.00"),
        payout_details=payout_snapshot(customer),
        idempotency_key=key(),
    )

    for user in (staff_with(*PAGE_PERMISSIONS), StaffFactory(groups=["Manager"])):
        client.force_login(user)
        for url in pages(customer):
            html = client.get(url).content.decode()
            assert "Bank: Commerzbank Filiale Köln" in html or (
                "<dt>Bank</dt><dd>Commerzbank Filiale Köln</dd>" in html
            ), (url, user)
