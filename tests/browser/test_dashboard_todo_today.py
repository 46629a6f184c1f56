"""The dashboard's "To do today": an action marked done in one click, in place."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import CustomerAction
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import ExpirationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_log_in(page, staff):
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_staff_marks_todays_action_done_in_place(page):
    staff = StaffFactory(groups=["Staff"])
    customer = CustomerFactory(first_name="Lucia", last_name="Verdi")
    action = CustomerAction.objects.create(
        customer=customer,
        kind=CustomerAction.Kind.CALL,
        title="Call about the renewal",
        due_date=timezone.localdate(),
    )
    ExpirationFactory(
        customer=customer,
        item="Yearly support",
        expiry_date=timezone.localdate() + timedelta(days=2),
    )

    staff_log_in(page, staff)
    upcoming = page.locator("section.widget", has_text="Upcoming renewals")
    assert upcoming.get_by_text("Yearly support").count() == 1
    assert upcoming.get_by_role("link", name="Lucia Verdi").count() == 1
    count = page.get_by_test_id("todo-count")
    expect(count).to_have_text(re.compile(r"^1 action due today"))
    page.evaluate("window.notReloaded = true")
    row = page.locator(f"#todo-{action.pk}")
    row.get_by_role(
        "button", name=re.compile(r"^Done\W+Call about the renewal")
    ).click()

    page.locator(f'#todo-{action.pk}[data-done="1"]').wait_for()
    assert page.evaluate("window.notReloaded") is True
    expect(count).to_have_text(re.compile(r"^0 actions due today"))
    action.refresh_from_db()
    assert action.done

    page.locator(f"#todo-{action.pk}").get_by_role(
        "button", name=re.compile(r"^Undo\W+Call about the renewal")
    ).click()
    page.locator(f'#todo-{action.pk}[data-done="0"]').wait_for()
    expect(count).to_have_text(re.compile(r"^1 action due today"))
    action.refresh_from_db()
    assert not action.done
