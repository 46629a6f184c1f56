"""The card's Balance tab in a real browser: add a credit, then delete it."""

from decimal import Decimal

import pytest

from balance.models import Entry
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_add_a_credit_then_delete_it(page):
    staff = StaffFactory(groups=["Manager"])
    customer = CustomerFactory(first_name="Giulia", last_name="Bianchi")
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()

    page.goto(f"/staff/customers/{customer.pk}/balance/")
    page.get_by_label("Amount").fill("12,50")
    page.get_by_label("Note").fill("goodwill")
    page.get_by_role("button", name="Post").click()

    page.get_by_text("The operation was posted.").wait_for()
    assert "12.50" in page.get_by_test_id("balance-current").inner_text()
    entry = Entry.objects.get(customer=customer)

    row = page.locator(f"#entry-{entry.pk}")
    row.get_by_text("Delete", exact=True).click()
    row.get_by_label("Reason").fill("wrong customer")
    row.get_by_role("button", name="Delete (post a reversal)").click()

    page.get_by_text("The operation was deleted (reversed).").wait_for()
    assert page.locator("tr.balance-reversed").count() == 2
    assert page.locator("tr.balance-reversed s").count() >= 2
    assert "0.00" in page.get_by_test_id("balance-current").inner_text()
    customer.refresh_from_db()
    assert customer.balance == Decimal("0.00")
