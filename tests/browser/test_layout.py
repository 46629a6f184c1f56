"""What a person notices first: nothing wider than the screen, the card's tabs in
one row, the Renew button in sight, and the customer list's folded filters. At a
laptop's 1366 px and a phone's 390 px, in English and Spanish (longer labels)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Tag
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 390)
LANGUAGES = ("en", "es")

# Visible elements reaching past the viewport's right edge, but inside a deliberate
# horizontal scroller (a table's, the card's tab row, a long menu).
OVERFLOWING = """() => {
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const inScroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) if (scrolls(p)) return true;
    return false;
  };
  return [...document.querySelectorAll("body *")].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.right > innerWidth + 1
      && !inScroller(el);
  }).map((el) => `${el.tagName}.${el.className}`);
}"""

# The box of ``selector``, cut by every ancestor that clips it (a scroller).
VISIBLE_BOX = """(el) => {
  const box = el.getBoundingClientRect();
  let [left, right] = [Math.max(box.left, 0), Math.min(box.right, innerWidth)];
  for (let p = el.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== "visible") {
      const clip = p.getBoundingClientRect();
      left = Math.max(left, clip.left);
      right = Math.min(right, clip.right);
    }
  }
  return { width: box.width, visible: right - left };
}"""


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def new_page(browser, live_server, *, width: int, language: str):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def log_in(page, area: str, email: str):
    page.goto(f"/{area}/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"**/{area}/")


def assert_fits(page, path: str):
    assert page.evaluate(OVERFLOWING) == [], f"wider than the screen on {path}"


def assert_fully_visible(locator):
    box = locator.evaluate(VISIBLE_BOX)
    assert box["width"] > 0
    assert box["visible"] >= box["width"] - 1, box


@pytest.fixture
def demo(db):
    customer = CustomerWithLoginFactory(first_name="Ana", last_name="Renewer")
    due = ExpirationFactory(
        customer=customer,
        product=ServiceProductFactory(name="Website hosting"),
        expiry_date=in_days(3),
    )
    ExpirationFactory(
        customer=customer, item="Server care plan", expiry_date=in_days(5)
    )
    ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(200)
    )
    for index in range(5):
        CustomerFactory(last_name=f"Listed{index}", phone="+39 022 5633582")
    return {"customer": customer, "due": due, "staff": StaffFactory(groups=["Manager"])}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_fit_and_card_tabs_stay_in_one_row(
    browser, live_server, demo, width, language
):
    page = new_page(browser, live_server, width=width, language=language)
    log_in(page, "staff", demo["staff"].email)
    card = f"/staff/customers/{demo['customer'].pk}/"
    for path in ("/staff/", "/staff/customers/", card, f"{card}expirations/"):
        page.goto(path)
        assert_fits(page, path)

    page.goto(card)
    tops = page.locator("nav.tabs a").evaluate_all(
        "(tabs) => tabs.map((a) => a.offsetTop)"
    )
    assert len(tops) >= 7
    assert len(set(tops)) == 1, tops
    if width >= 1366:  # they fit, no scrolling needed
        assert page.locator("nav.tabs").evaluate(
            "(n) => n.scrollWidth <= n.clientWidth"
        )
    assert page.locator(".avatar").count() == 1
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_customer_area_fits_and_renew_is_in_sight(
    browser, live_server, demo, width, language
):
    page = new_page(browser, live_server, width=width, language=language)
    log_in(page, "account", demo["customer"].email)
    renew = f'form[action$="/expirations/{demo["due"].pk}/renew/"] button'
    for path in ("/account/", "/account/expirations/", "/account/shop/"):
        page.goto(path)
        assert_fits(page, path)
        if path != "/account/shop/":
            assert_fully_visible(page.locator(renew))
    # The service outside the shop says how to renew it instead.
    page.goto("/account/expirations/")
    assert page.locator('[data-testid^="renew-contact-"]').is_visible()

    # The top bar is one row: everything in it shares the brand's line.
    bar = page.locator("header.topbar")
    brand_height = page.locator(".brand").bounding_box()["height"]
    assert bar.bounding_box()["height"] < brand_height * 2 + 30
    if width <= 800:
        page.get_by_role("button", name="Menu" if language == "en" else "Menú").click()
        assert page.locator("#account-nav").is_visible()
        assert page.locator(".user-menu").is_visible()
        assert_fits(page, "the open menu")
    page.context.close()


def test_more_filters_fold_remember_and_open_when_in_use(browser, live_server, demo):
    Tag.objects.create(name="VIP")
    page = new_page(browser, live_server, width=1366, language="en")
    log_in(page, "staff", demo["staff"].email)
    page.goto("/staff/customers/")
    more = page.locator("details.filters-more")
    search = page.get_by_role("search", name="Filters")
    assert search.get_by_label("Search").is_visible()
    assert search.get_by_label("Tag").is_visible()
    assert more.evaluate("(d) => d.open") is False
    assert not search.get_by_label("Region").is_visible()
    assert not search.get_by_label("Balance less than").is_visible()

    more.locator("summary").click()
    assert search.get_by_label("Region").is_visible()
    page.reload()
    assert more.evaluate("(d) => d.open") is True  # remembered

    more.locator("summary").click()
    page.reload()
    assert more.evaluate("(d) => d.open") is False  # and so is closing it

    page.goto("/staff/customers/?balance_lt=10")
    assert more.evaluate("(d) => d.open") is True
    assert search.get_by_label("Balance less than").input_value() == "10"
    assert more.locator("summary").get_by_text("1 in use").is_visible()
    # Same widths for every field: none stretched across a row.
    widths = search.locator(".field").evaluate_all(
        "(fields) => fields.map((f) => Math.round(f.getBoundingClientRect().width))"
    )
    assert max(widths) - min(widths) <= 2, widths
    # Phone numbers on one line.
    cell = page.locator("td.nowrap", has_text="+39 022 5633582").first
    assert cell.evaluate("(td) => getComputedStyle(td).whiteSpace") == "nowrap"
    page.context.close()


@pytest.mark.parametrize("language", ("en", "es", "it", "pt"))
def test_staff_menu_is_one_row_at_a_laptops_width(browser, live_server, demo, language):
    page = new_page(browser, live_server, width=1366, language=language)
    log_in(page, "staff", demo["staff"].email)
    tops = page.locator("#staff-nav > ul > li").evaluate_all(
        "(items) => items.map((li) => li.offsetTop)"
    )
    assert len(tops) >= 6
    assert len(set(tops)) == 1, tops
    assert_fits(page, "/staff/")

    # A drop-down opens on a click, closes when another opens and on Escape.
    sales, credits = (
        page.locator("details[data-nav-dropdown]").nth(index) for index in (0, 1)
    )
    sales.locator("summary").click()
    assert sales.locator("a").first.is_visible()
    assert_fits(page, "the open drop-down")
    credits.locator("summary").click()
    assert credits.locator("a").first.is_visible()
    assert not sales.locator("a").first.is_visible()
    page.keyboard.press("Escape")
    assert not credits.locator("a").first.is_visible()
    credits.locator("summary").click()
    credits.locator("a").last.click()
    page.wait_for_url("**/staff/balance/gifts/")
    assert page.locator("details[data-nav-dropdown] summary.current").count() == 1
    page.context.close()
