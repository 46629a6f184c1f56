"""A customer renews an expiring service through checkout, part of it with their
balance and the rest by bank transfer; once staff confirm the payment the new expiry
shows on the customer's page and on the staff tab."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from balance.services import Author, balance_credit
from expirations.models import Expiration, ExpirationEvent
from expirations.services.renewal import add_period
from selling.models import Order
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerWithLoginFactory
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory
from tests.selling.account_support import offer_enabled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reverse_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def shown(day, fmt: str) -> str:
    with translation.override("en"):
        return date_format(day, fmt)


def log_in_customer(page, customer):
    page.goto("/account/login/")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("#account-nav").wait_for()


def log_in_staff(browser, live_server, staff, next_url):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"/staff/login/?next={next_url}")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")
    return context, page


def test_customer_renews_through_checkout_with_balance(page, browser, live_server):
    offer_enabled(
        message="You have {balance} of credits: use {balance-value} on this order.",
        button_text="Use my credits",
    )
    customer = CustomerWithLoginFactory(first_name="Marta", last_name="Neri")
    balance_credit(
        customer_id=customer.pk,
        amount=Decimal("50.00"),
        author=Author.system("browser test"),
        idempotency_key="browser:credit",
        note="Loyalty bonus",
    )
    product = ServiceProductFactory(
        name="Managed hosting",
        price=Decimal("120.00"),
        renewal_period=1,
        renewal_unit="years",
    )
    today = timezone.localdate()
    old_expiry = today + timedelta(days=10)
    expiration = ExpirationFactory(
        customer=customer, product=product, expiry_date=old_expiry
    )
    far = ExpirationFactory(
        customer=customer, item="Yearly audit", expiry_date=today + timedelta(days=200)
    )
    new_expiry = add_period(old_expiry, 1, "years", anchor_day=old_expiry.day)

    # The customer sees the service expiring in 10 days, with a Renew button.
    log_in_customer(page, customer)
    page.locator("#account-nav").get_by_role("link", name="My expirations").click()
    page.get_by_role("heading", name="My expirations").wait_for()
    row = page.locator(f"#expiration-{expiration.pk}")
    assert row.get_by_test_id(f"expiry-{expiration.pk}").inner_text() == shown(
        old_expiry, "DATE_FORMAT"
    )
    assert "10" in row.inner_text()
    assert page.locator(f"#expiration-{far.pk}").get_by_role("button").count() == 0
    row.get_by_role("button", name="Renew Managed hosting").click()

    # Straight to the checkout, the renewal in the cart; half of it from the balance.
    page.get_by_role("heading", name="Checkout").wait_for()
    page.get_by_text("The renewal of “Managed hosting” is in your cart.").wait_for()
    assert page.get_by_test_id("checkout-subtotal").inner_text() == "120.00 EUR"
    # The one discount control comes filled with the most that can be used.
    assert page.get_by_label("Pay with my balance").input_value() == "50.00"
    page.get_by_role("button", name="Use my credits").click()
    page.get_by_text("50.00 EUR of your balance will pay for this order.").wait_for()
    assert page.get_by_test_id("checkout-total-due").inner_text() == "70.00 EUR"
    assert page.get_by_label("Bank transfer").is_checked()
    page.get_by_role("button", name="Place order").click()
    page.get_by_text("is placed.").wait_for()
    order = Order.objects.get(customer=customer)
    assert order.status == Order.Status.PENDING
    assert order.lines.get().renews_id == str(expiration.pk)
    expiration.refresh_from_db()
    assert expiration.expiry_date == old_expiry  # nothing until it is paid

    # Staff confirm the bank transfer.
    manager = StaffFactory(groups=["Manager"])
    order_url = reverse_or_none("selling:staff_order", order.pk)
    tab_url = reverse_or_none("expirations:staff_tab", customer.pk)
    staff_context, staff_page = log_in_staff(
        browser, live_server, manager, order_url or "/staff/"
    )
    if order_url is not None:
        staff_page.get_by_text("Mark as paid", exact=True).click()
        staff_page.get_by_label("Payment reference").fill("TRN-RENEW-1")
        staff_page.get_by_role("button", name="Confirm: mark as paid").click()
        staff_page.get_by_text("The order was marked as paid.").wait_for()
    else:
        from selling.services import order_confirm_payment

        order_confirm_payment(order_id=order.pk, reference="TRN-RENEW-1", user=manager)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    expiration.refresh_from_db()
    assert expiration.expiry_date == new_expiry
    assert expiration.renewal_count == 1
    assert (
        ExpirationEvent.objects.filter(
            expiration=expiration, kind=ExpirationEvent.Kind.RENEWED
        ).count()
        == 1
    )

    # The customer's page shows the new expiry, no Renew button any more.
    page.goto(reverse("expirations:account_list"))
    row = page.locator(f"#expiration-{expiration.pk}")
    assert row.get_by_test_id(f"expiry-{expiration.pk}").inner_text() == shown(
        new_expiry, "DATE_FORMAT"
    )
    assert row.get_by_role("button").count() == 0

    # The staff tab shows it too (or, without E2's tab, the record does).
    if tab_url is not None:
        staff_page.goto(tab_url)
        staff_row = staff_page.locator(f"#expiration-{expiration.pk}")
        staff_row.get_by_text(shown(new_expiry, "SHORT_DATE_FORMAT")).wait_for()
        assert shown(old_expiry, "SHORT_DATE_FORMAT") not in staff_row.inner_text()
    else:
        assert Expiration.objects.get(pk=expiration.pk).expiry_date == new_expiry
    staff_context.close()
