import pytest

from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_in_see_the_dashboard_and_open_a_customer(page, tmp_path):
    staff = StaffFactory(groups=["Staff"])
    customer = CustomerFactory(first_name="Giulia", last_name="Bianchi")

    page.goto("/staff/")
    assert page.url.endswith("/staff/login/?next=/staff/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Dashboard").wait_for()
    topbar_color = page.eval_on_selector(
        ".topbar", "element => getComputedStyle(element).backgroundColor"
    )
    assert topbar_color == "rgb(17, 26, 51)", "the stylesheet was not served"

    page.get_by_role("link", name="Customers").first.click()
    page.get_by_role("heading", name="Customers").wait_for()
    page.get_by_role("link", name="Giulia Bianchi").click()
    page.get_by_role("heading", name="Giulia Bianchi").wait_for()
    assert page.url.endswith(f"/staff/customers/{customer.pk}/")
    page.screenshot(path=tmp_path / "card.png", full_page=True)
    assert (tmp_path / "card.png").stat().st_size > 5_000


def test_customer_logs_in_to_their_area_and_out(page):
    customer = CustomerWithLoginFactory(first_name="Marta")

    page.goto("/account/")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("The e-mail or the password is not right").wait_for()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Welcome, Marta").wait_for()

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in to your account").wait_for()


def test_language_switcher_translates_the_page(page):
    page.goto("/account/login/")
    page.select_option("#language-select", "it")
    # The page reloads at the same URL: wait for the translated page itself.
    page.get_by_role("button", name="Accedi").wait_for()
    assert page.locator("html").get_attribute("lang") == "it"
