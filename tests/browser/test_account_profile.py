import pytest

from tests.core.factories import PASSWORD
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_edits_their_profile_and_sees_the_change(page):
    customer = CustomerWithLoginFactory(first_name="Marta", last_name="Neri")

    page.goto("/account/login/")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Welcome, Marta").wait_for()

    page.locator("#account-nav summary", has_text="My profile").click()
    page.locator("#account-nav").get_by_role("link", name="Profile", exact=True).click()
    page.get_by_role("heading", name="Profile", exact=True).wait_for()
    page.get_by_label("First name").fill("Martina")
    page.get_by_label("Mobile").fill("+39 333 7654321")
    page.get_by_label("Birth date").fill("1991-04-23")
    page.get_by_role("button", name="Save").click()

    page.get_by_text("Your profile was saved.").wait_for()
    assert page.get_by_label("First name").input_value() == "Martina"
    assert page.get_by_label("Mobile").input_value() == "+39 333 7654321"
    assert page.get_by_label("Birth date").input_value() == "1991-04-23"

    page.get_by_role("link", name="My account").click()
    page.get_by_role("heading", name="Welcome, Martina").wait_for()
    customer.refresh_from_db()
    assert customer.first_name == "Martina"
