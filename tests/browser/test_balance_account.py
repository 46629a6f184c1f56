"""A customer asks for a withdrawal in a real browser; staff approve and pay it."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse

from balance.models import BalanceSettings, PayoutDetailsAccess, Withdrawal
from balance.services import Author, balance_credit
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_withdrawals_url() -> str | None:
    try:
        return reverse("balance:withdrawals")
    except NoReverseMatch:
        return None


def log_in_customer(page, customer):
    page.goto("/account/login/")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("#account-nav").wait_for()


def test_customer_requests_withdrawal_and_staff_pay_it(page, browser, live_server):
    row = BalanceSettings.load()
    row.withdrawals_enabled = True
    row.withdrawal_minimum = Decimal("20.00")
    row.staff_notification_emails = "payouts@example.com"
    row.save()
    customer = CustomerWithLoginFactory(first_name="Marta", last_name="Neri")
    balance_credit(
        customer_id=customer.pk,
        amount=Decimal("100.00"),
        author=Author.system("browser test"),
        idempotency_key="browser:credit",
        note="Referral bonus",
    )

    log_in_customer(page, customer)
    page.locator("#account-nav").get_by_role("link", name="My credits").click()
    page.get_by_role("heading", name="My credits").wait_for()
    page.get_by_text("Referral bonus").wait_for()

    page.get_by_role("link", name="Add payout details").click()
    page.get_by_label("Account holder").fill("Marta Neri")
    page.get_by_label("IBAN").fill("IT60 X054 2811 1010 0000 0123 456")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Save payout details").click()
    page.get_by_text("Your payout details were saved.").wait_for()

    page.get_by_role("link", name="Request a withdrawal").click()
    page.get_by_label("Amount").fill("30,50")
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("Your withdrawal request was sent").wait_for()
    assert page.get_by_test_id("credits-available").inner_text() == "69.50 EUR"
    page.locator(".credits-withdrawals").get_by_text("Pending").wait_for()

    withdrawal = Withdrawal.objects.get(customer=customer)
    # The customer hears of the new payout details; staff of the request.
    assert [m.to for m in mail.outbox] == [[customer.email], ["payouts@example.com"]]
    assert mail.outbox[0].subject == "Your payout details changed"

    url = staff_withdrawals_url()
    if url is not None:
        manager = StaffFactory(groups=["Manager"])
        staff_context = browser.new_context(base_url=live_server.url, locale="en-US")
        staff_page = staff_context.new_page()
        staff_page.set_default_timeout(15_000)
        staff_page.goto("/staff/login/")
        staff_page.get_by_label("E-mail").fill(manager.email)
        staff_page.get_by_label("Password").fill(PASSWORD)
        staff_page.get_by_role("button", name="Log in").click()
        staff_page.get_by_role("heading", name="Dashboard").wait_for()
        staff_page.goto(url)
        row_locator = staff_page.locator(f"#withdrawal-{withdrawal.pk}")
        # Managers pay withdrawals: they see the IBAN in full, and that is recorded.
        row_locator.get_by_text(
            "IBAN: IT60 X054 2811 1010 0000 0123 456", exact=True
        ).wait_for()
        row_locator.get_by_text(
            "Bank: Unione Di Banche Italiane SpA", exact=True
        ).wait_for()
        assert PayoutDetailsAccess.objects.filter(
            customer=customer, viewer=manager
        ).exists()
        # Requested right after the payout details changed: a second look.
        row_locator.get_by_text("Payout details changed just before").wait_for()
        row_locator.get_by_label("I checked this change with the customer").check()
        row_locator.get_by_role("button", name="Approve after checking").click()
        row_locator = staff_page.locator(f"#withdrawal-{withdrawal.pk}")
        row_locator.get_by_label("Payout reference").fill("SEPA-2026-001")
        row_locator.get_by_role("button", name="Mark as paid").click()
        staff_page.get_by_text("The request was marked as paid.").wait_for()
        staff_context.close()
    else:
        from balance.services import withdrawal_approve, withdrawal_pay

        manager = StaffFactory(groups=["Manager"])
        withdrawal_approve(
            withdrawal_id=withdrawal.pk,
            decided_by=manager,
            payout_change_checked=True,
        )
        withdrawal_pay(
            withdrawal_id=withdrawal.pk,
            payout_reference="SEPA-2026-001",
            decided_by=manager,
        )

    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PAID
    page.reload()
    page.locator(".credits-withdrawals").get_by_text("Paid").wait_for()
    assert page.get_by_test_id("credits-balance").inner_text() == "69.50 EUR"
    assert page.get_by_test_id("credits-available").inner_text() == "69.50 EUR"
    recipients = [m.to[0] for m in mail.outbox]
    assert recipients[1] == "payouts@example.com"
    if url is not None:
        # The staff side mails the customer on approval and on payment.
        assert recipients.count(customer.email) >= 2
