"""The referral programme in a real browser, as two customers: A copies their
link, B follows it in another browser, signs up, confirms, orders and (staff
confirm the transfer) pays; the refund window passes (``run_referrals --today``);
A sees the commission in "My credits" and asks for a withdrawal of it."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from balance.models import BalanceSettings, Entry, Withdrawal
from customers.models import Customer
from referrals.models import Commission, Referral, ReferralCode
from selling.models import Order
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerWithLoginFactory
from tests.selling.account_support import bank_instructions
from tests.selling.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

B_EMAIL = "bea.rossi@example.com"
B_PASSWORD = "a-brand-new-pass-42"


def new_page(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def log_in_customer(page, email, password):
    page.goto("/account/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.locator("#account-nav").wait_for()


def run_referrals(days_after: int) -> str:
    out = StringIO()
    day = timezone.localdate() + timedelta(days=days_after)
    call_command("run_referrals", "--today", day.isoformat(), stdout=out)
    return out.getvalue()


def test_two_customers_link_signup_paid_order_commission_then_withdrawal(
    browser, live_server
):
    settings_row = BalanceSettings.load()
    settings_row.withdrawals_enabled = True
    settings_row.withdrawal_minimum = Decimal("10.00")
    settings_row.save()
    bank_instructions("Transfer to IT60X0542811101000000123456, reference {order}.")
    ProductFactory(name="Website audit", price=Decimal("190.00"))
    referrer = CustomerWithLoginFactory(first_name="Ada", last_name="Conti")

    # A copies their link from the customer area (the Copy button, the clipboard).
    a_context, a_page = new_page(browser, live_server)
    a_context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    log_in_customer(a_page, referrer.email, PASSWORD)
    a_page.locator("#account-nav").get_by_role("link", name="Referrals").click()
    a_page.get_by_role("heading", name="Your referral link").wait_for()
    code = ReferralCode.objects.get(customer=referrer).code
    field = a_page.get_by_test_id("referral-link")
    assert field.input_value() == f"{live_server.url}/r/{code}/"
    a_page.get_by_role("button", name="Copy").click()
    a_page.get_by_role("button", name="Copied").wait_for()
    link = a_page.evaluate("navigator.clipboard.readText()")
    assert link == f"{live_server.url}/r/{code}/"

    # B, in another browser, follows it and signs up.
    b_context, b_page = new_page(browser, live_server)
    b_page.goto(link)
    b_page.get_by_role("heading", name="Create your account").wait_for()
    assert b_page.url == f"{live_server.url}/account/signup/"
    cookies = {c["name"]: c for c in b_context.cookies()}
    assert cookies["clientela_referral"]["httpOnly"] is True
    assert cookies["clientela_referral"]["sameSite"] == "Lax"
    b_page.get_by_label("First name").fill("Bea")
    b_page.get_by_label("Last name").fill("Rossi")
    b_page.get_by_label("E-mail").fill(B_EMAIL)
    b_page.locator("input[name=password]").fill(B_PASSWORD)
    b_page.locator("input[name=password_confirm]").fill(B_PASSWORD)
    b_page.get_by_role("button", name="Sign up").click()
    b_page.wait_for_url("**/account/signup/sent/")
    referred = Customer.objects.get(email=B_EMAIL)
    assert Referral.objects.get(referred=referred).referrer == referrer

    # B confirms the address from the e-mail, logs in and orders.
    confirm = next(m for m in mail.outbox if m.to == [B_EMAIL])
    path = re.search(r"https?://[^/\s]+(/account/confirm-email/\S+/)", confirm.body)[1]
    b_page.goto(path)
    b_page.get_by_role("button", name="Confirm my e-mail address").click()
    b_page.get_by_role("heading", name="Your e-mail is confirmed").wait_for()
    log_in_customer(b_page, B_EMAIL, B_PASSWORD)
    b_page.locator("#account-nav").get_by_role("link", name="Shop").click()
    product = b_page.locator(".shop-product", has_text="Website audit")
    product.get_by_label("Quantity").fill("1")
    product.get_by_role("button", name="Add to cart").click()
    b_page.get_by_text("“Website audit” was added to your cart.").wait_for()
    b_page.get_by_role("link", name="Go to checkout").click()
    b_page.get_by_role("heading", name="Checkout").wait_for()
    b_page.get_by_role("button", name="Place order").click()
    b_page.get_by_text("is placed.").wait_for()
    order = Order.objects.get(customer=referred)
    b_context.close()

    # Staff confirm the bank transfer: the commission is pending, not spendable.
    manager = StaffFactory(groups=["Manager"])
    staff_context, staff_page = new_page(browser, live_server)
    staff_page.goto("/staff/login/")
    staff_page.get_by_label("E-mail").fill(manager.email)
    staff_page.get_by_label("Password").fill(PASSWORD)
    staff_page.get_by_role("button", name="Log in").click()
    staff_page.get_by_role("heading", name="Dashboard").wait_for()
    staff_page.goto(f"/staff/orders/{order.pk}/")
    staff_page.get_by_text("Mark as paid", exact=True).click()
    staff_page.get_by_label("Payment reference").fill("TRN-2026-042")
    staff_page.get_by_role("button", name="Confirm: mark as paid").click()
    staff_page.get_by_text("The order was marked as paid.").wait_for()
    staff_context.close()
    commission = Commission.objects.get(order=order)
    assert commission.status == Commission.Status.PENDING
    assert commission.amount == Decimal("19.00")  # 10 % of 190.00

    a_page.reload()
    assert a_page.get_by_test_id("stat-visits").inner_text() == "1"
    assert a_page.get_by_test_id("stat-signups").inner_text() == "1"
    assert a_page.get_by_test_id("stat-paying").inner_text() == "1"
    assert a_page.get_by_test_id("stat-pending").inner_text() == "19.00 EUR"
    assert a_page.get_by_test_id("stat-earned").inner_text() == "0.00 EUR"
    a_page.locator("#account-nav").get_by_role("link", name="My credits").click()
    assert a_page.get_by_test_id("credits-available").inner_text() == "0.00 EUR"

    # The refund window passes; the job credits it once, even run twice.
    assert "0 commissions credited" in run_referrals(days_after=29)
    assert "1 commissions credited" in run_referrals(days_after=31)
    assert "0 commissions credited" in run_referrals(days_after=31)
    assert Entry.objects.filter(customer=referrer).count() == 1

    a_page.reload()
    a_page.get_by_text(f"Referral commission on order {order.number}").wait_for()
    assert a_page.get_by_test_id("credits-balance").inner_text() == "19.00 EUR"
    assert a_page.get_by_test_id("credits-available").inner_text() == "19.00 EUR"
    assert any(
        m.to == [referrer.email] and "is available" in m.subject for m in mail.outbox
    )

    # A asks for it to be paid out.
    a_page.get_by_role("link", name="Add payout details").click()
    a_page.get_by_label("Account holder").fill("Ada Conti")
    a_page.get_by_label("IBAN").fill("IT60 X054 2811 1010 0000 0123 456")
    a_page.get_by_label("Current password").fill(PASSWORD)
    a_page.get_by_role("button", name="Save payout details").click()
    a_page.get_by_text("Your payout details were saved.").wait_for()
    a_page.get_by_role("link", name="Request a withdrawal").click()
    a_page.get_by_label("Amount").fill("19")
    a_page.get_by_role("button", name="Send the request").click()
    a_page.get_by_text("Your withdrawal request was sent").wait_for()
    assert a_page.get_by_test_id("credits-available").inner_text() == "0.00 EUR"
    withdrawal = Withdrawal.objects.get(customer=referrer)
    assert withdrawal.amount == Decimal("19.00")
    assert withdrawal.status == Withdrawal.Status.PENDING

    a_page.locator("#account-nav").get_by_role("link", name="Referrals").click()
    assert a_page.get_by_test_id("stat-pending").inner_text() == "0.00 EUR"
    assert a_page.get_by_test_id("stat-earned").inner_text() == "19.00 EUR"
    a_context.close()
