"""The main pages, staff and customer area, run under the Content-Security-Policy
with no violation and no error in the browser's console."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from balance.services import Author, balance_credit
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerWithLoginFactory
from tests.expirations.factories import ExpirationFactory
from tests.selling.account_support import offer_enabled
from tests.selling.factories import OrderFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts; Playwright's init scripts are not subject to
# the page's policy.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""

STAFF_PAGES = [
    "/staff/",
    "/staff/customers/",
    "/staff/customers/new/",
    "/staff/customers/import/",
    "/staff/balance/withdrawals/",
    "/staff/balance/gifts/",
    "/staff/orders/",
    "/staff/products/",
    # The expirations report: /staff/expirations/report/ redirects here.
    "/staff/reports/expirations/",
    "/staff/reports/",
    "/staff/reports/balance.movements/",
    "/staff/emails/",
    "/staff/settings/",
    "/staff/settings/customers/tags/",
    "/staff/settings/customers/lists/",
    "/staff/settings/balance/",
    "/staff/settings/selling/",
    "/staff/settings/expirations/",
    "/staff/settings/api-keys/",
]

ACCOUNT_PAGES = [
    "/account/",
    "/account/profile/",
    "/account/addresses/",
    "/account/newsletters/",
    "/account/password/",
    "/account/support/",
    "/account/credits/",
    "/account/expirations/",
    "/account/shop/",
    "/account/cart/",
    "/account/checkout/",
    "/account/orders/",
]


class Recorder:
    """Console messages, page errors and policy violations of one browser context."""

    def __init__(self, browser, live_server):
        self.context = browser.new_context(base_url=live_server.url, locale="en-US")
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.problems: list[str] = []
        self.page.on("console", self.on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"error {error}"))

    def on_console(self, message) -> None:
        # The browser's own request for /favicon.ico counts too: there is one.
        source = message.location.get("url", "")
        if message.type in ("error", "warning"):
            self.problems.append(
                f"{message.type} {message.text} ({source}) on {self.page.url}"
            )

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, path
        assert urlsplit(self.page.url).path == path, "redirected: not logged in?"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("load")
        violations = self.page.evaluate("window.__cspViolations")
        self.problems += [f"{violation} on {path}" for violation in violations]

    def log_in(self, login_path: str, email: str) -> None:
        self.page.goto(login_path)
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_load_state("load")

    def colour_of(self, selector: str, css_property: str) -> str:
        return self.page.eval_on_selector(
            selector,
            f"element => getComputedStyle(element).getPropertyValue('{css_property}')",
        )


@pytest.fixture
def shop_data():
    offer_enabled(colour="#aa3300")
    customer = CustomerWithLoginFactory(first_name="Marta", last_name="Neri")
    customer.tags.create(name="VIP", colour="#c01c28")
    balance_credit(
        customer_id=customer.pk,
        amount=Decimal("40.00"),
        author=Author.system("browser test"),
        idempotency_key="browser:csp",
    )
    ExpirationFactory(customer=customer)
    OrderFactory(customer=customer)
    ProductFactory(name="Yearly support", price=Decimal("30.00"))
    return customer


PUBLIC_PAGES = ["/", "/account/login/", "/account/signup/", "/staff/login/"]


def test_public_pages_run_under_the_policy(browser, live_server):
    visitor = Recorder(browser, live_server)
    for path in PUBLIC_PAGES:
        visitor.visit(path)
    # The home page's language switcher submits itself, back to the home page.
    visitor.visit("/")
    visitor.page.select_option("#language-select", "it")
    # Already at the home page's URL: wait for the reloaded page itself.
    expect(visitor.page.locator("html")).to_have_attribute("lang", "it")
    visitor.page.wait_for_load_state("load")
    # The icon the pages link to, and the one browsers ask for by themselves.
    for icon in ("/static/favicon.svg", "/favicon.ico"):
        response = visitor.page.request.get(icon)
        assert response.ok, icon
        assert response.headers["content-type"].startswith("image/svg+xml"), icon

    visitor.context.close()
    assert visitor.problems == []


def test_staff_pages_run_under_the_policy(browser, live_server, shop_data):
    manager = StaffFactory(groups=["Manager"])
    staff = Recorder(browser, live_server)
    staff.log_in("/staff/login/", manager.email)

    for path in STAFF_PAGES:
        staff.visit(path)
    # The tag's colour, set from data-colour through the CSSOM, is allowed.
    staff.visit("/staff/customers/")
    assert staff.colour_of(".tag-badge", "background-color") == "rgb(192, 28, 40)"

    card = f"/staff/customers/{shop_data.pk}/"
    staff.visit(card)
    tabs = staff.page.locator("nav.tabs a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert len(tabs) >= 5
    for tab in tabs:
        staff.visit(tab)
    staff.visit(f"{card}actions/new/")  # the note's rich-text editor
    # An htmx swap (the dashboard's widgets) runs without inline script either.
    staff.visit("/staff/")

    staff.context.close()
    assert staff.problems == []


def test_customer_area_runs_under_the_policy(browser, live_server, shop_data):
    customer = Recorder(browser, live_server)
    customer.log_in("/account/login/", shop_data.email)

    customer.visit("/account/shop/")
    customer.page.get_by_role("button", name="Add to cart").first.click()
    customer.page.wait_for_load_state("load")
    for path in ACCOUNT_PAGES:
        customer.visit(path)
    # The checkout button takes its colour from the balance settings.
    customer.visit("/account/checkout/")
    assert (
        customer.colour_of(".checkout-offer-button", "background-color")
        == "rgb(170, 51, 0)"
    )

    # The language switcher submits itself without an inline handler.
    customer.page.select_option("#language-select", "it")
    # The page is already at the checkout's URL: wait for the reloaded page itself.
    expect(customer.page.locator("html")).to_have_attribute("lang", "it")
    customer.page.wait_for_load_state("load")

    customer.context.close()
    assert customer.problems == []


def test_admin_runs_under_the_policy(browser, live_server, shop_data):
    superuser = StaffFactory(is_superuser=True)
    admin = Recorder(browser, live_server)
    admin.page.goto("/admin/login/")
    admin.page.get_by_label("E-mail").fill(superuser.email)
    admin.page.get_by_label("Password").fill(PASSWORD)
    admin.page.get_by_role("button", name="Log in").click()
    admin.page.wait_for_load_state("load")

    for path in (
        "/admin/",
        "/admin/customers/customer/",
        f"/admin/customers/customer/{shop_data.pk}/change/",
        "/admin/balance/entry/",
    ):
        admin.visit(path)

    admin.context.close()
    assert admin.problems == []
