"""A customer pays part of an order with their balance in a real browser; staff
confirm the bank transfer; the balance, the order and the timeline show it."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse

from balance.services import Author, balance_credit
from selling.models import Order
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerWithLoginFactory
from tests.selling.account_support import bank_instructions, offer_enabled
from tests.selling.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_order_url(order) -> str | None:
    try:
        return reverse("selling:staff_order", args=[order.pk])
    except NoReverseMatch:
        return None


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


def test_customer_pays_with_balance_and_bank_transfer_staff_confirm(
    page, browser, live_server
):
    offer_enabled(
        message="You have {balance} of credits: use {balance-value} on this order.",
        button_text="Use my credits",
    )
    bank_instructions("Transfer to IT60X0542811101000000123456, reference {order}.")
    customer = CustomerWithLoginFactory(first_name="Marta", last_name="Neri")
    balance_credit(
        customer_id=customer.pk,
        amount=Decimal("100.00"),
        author=Author.system("browser test"),
        idempotency_key="browser:credit",
        note="Referral bonus",
    )
    ProductFactory(name="Website care", price=Decimal("150.00"))

    # The customer fills the cart and applies the largest discount.
    log_in_customer(page, customer)
    page.locator("#account-nav").get_by_role("link", name="Shop").click()
    page.get_by_role("heading", name="Shop").wait_for()
    product = page.locator(".shop-product", has_text="Website care")
    assert product.get_by_test_id("product-price").inner_text() == "150.00 EUR"
    product.get_by_label("Quantity").fill("1")
    product.get_by_role("button", name="Add to cart").click()
    page.get_by_text("“Website care” was added to your cart.").wait_for()
    assert page.get_by_test_id("cart-subtotal").inner_text() == "150.00 EUR"
    page.get_by_role("link", name="Go to checkout").click()

    page.get_by_role("heading", name="Checkout").wait_for()
    page.get_by_text(
        "You have 100.00 EUR of credits: use 100.00 EUR on this order."
    ).wait_for()
    # One amount field, prefilled with the most that can be used, and the button
    # the balance settings describe (its colour painted from data-colour).
    amount = page.get_by_label("Pay with my balance")
    assert page.locator("input[name=amount]").count() == 1
    assert amount.input_value() == "100.00"
    button = page.get_by_role("button", name="Use my credits")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == (
        "rgb(170, 51, 0)"
    )
    # Too much: the message names the smaller bound, the available balance.
    amount.fill("500")
    button.click()
    page.get_by_text(
        "The discount cannot be more than your available balance (100.00 EUR)."
    ).wait_for()
    page.get_by_label("Pay with my balance").fill("100")
    page.get_by_role("button", name="Use my credits").click()
    page.get_by_text("100.00 EUR of your balance will pay for this order.").wait_for()
    assert page.get_by_test_id("checkout-discount").inner_text() == "−100.00 EUR"
    assert page.get_by_test_id("checkout-total-due").inner_text() == "50.00 EUR"

    # The rest by bank transfer.
    assert page.get_by_label("Bank transfer").is_checked()
    page.get_by_role("button", name="Place order").click()
    page.get_by_text("is placed.").wait_for()
    order = Order.objects.get(customer=customer)
    assert page.get_by_test_id("order-status").inner_text() == "Pending payment"
    assert page.get_by_test_id("order-instructions").inner_text() == (
        f"Transfer to IT60X0542811101000000123456, reference {order.number}."
    )
    assert page.get_by_test_id("order-total-due").inner_text() == "50.00 EUR"
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert order.number in mail.outbox[0].body

    # The discount is set aside: the balance is still there, none of it available.
    page.locator("#account-nav").get_by_role("link", name="My credits").click()
    assert page.get_by_test_id("credits-balance").inner_text() == "100.00 EUR"
    assert page.get_by_test_id("credits-available").inner_text() == "0.00 EUR"

    # Staff mark the bank transfer as arrived.
    manager = StaffFactory(groups=["Manager"])
    url = staff_order_url(order)
    history_url = reverse("customers:history", args=[customer.pk])
    staff_context, staff_page = log_in_staff(
        browser, live_server, manager, url or history_url
    )
    if url is not None:
        staff_page.get_by_text("Mark as paid", exact=True).click()
        staff_page.get_by_label("Payment reference").fill("TRN-2026-001")
        staff_page.get_by_role("button", name="Confirm: mark as paid").click()
        staff_page.get_by_text("The order was marked as paid.").wait_for()
        assert staff_page.get_by_test_id("order-status").inner_text() == "Paid"
    else:
        from selling.services import order_confirm_payment

        order_confirm_payment(order_id=order.pk, reference="TRN-2026-001", user=manager)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    # The customer's balance and order show it.
    page.reload()
    assert page.get_by_test_id("credits-balance").inner_text() == "0.00 EUR"
    assert page.get_by_test_id("credits-available").inner_text() == "0.00 EUR"
    page.locator("#account-nav").get_by_role("link", name="My orders").click()
    row = page.locator(f"#order-{order.pk}")
    row.get_by_text("Paid").wait_for()
    row.get_by_role("link", name=order.number).click()
    assert page.get_by_test_id("order-status").inner_text() == "Paid"
    assert page.get_by_test_id("order-instructions").count() == 0
    assert [m.to for m in mail.outbox] == [[customer.email], [customer.email]]
    assert "is paid" in mail.outbox[1].subject

    # The staff timeline shows the order placed and paid.
    staff_page.goto(history_url)
    staff_page.locator(
        ".timeline-event", has_text=f"Order paid {order.number}"
    ).wait_for()
    staff_page.locator(
        ".timeline-event", has_text=f"Order placed {order.number}"
    ).wait_for()
    staff_context.close()
