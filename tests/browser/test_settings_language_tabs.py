"""The balance settings page in a real browser: two sections, one language's texts
at a time behind tabs, every language kept on save; it fits a laptop and a phone.
Without JavaScript every language shows, stacked."""

import pytest

from balance.models import BalanceSettings
from tests.core.factories import PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URL = "/staff/settings/balance/"


def log_in(page):
    staff = StaffFactory(groups=["Manager"])
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def widest_overflow(page) -> list[str]:
    """The elements wider than the viewport (or reaching past its right edge)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          return [...document.querySelectorAll("body *")]
            .filter((e) => e.getClientRects().length)
            .filter((e) => e.getBoundingClientRect().right > width + 1)
            .map((e) => e.tagName + "#" + e.id + "." + e.className);
        }"""
    )


def test_balance_settings_sections_and_language_tabs(page):
    row = BalanceSettings.load()
    row.credits_intro = {"en": "Earn credits.", "it": "Guadagna crediti."}
    row.save()
    log_in(page)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(URL)

    sections = page.get_by_test_id("settings-section")
    assert sections.count() == 2
    customer_area = page.locator("#customer-area")
    checkout = page.locator("#checkout-discount")
    assert customer_area.get_by_role("heading", name="Customer area").is_visible()
    assert checkout.get_by_role("heading", name="Checkout discount").is_visible()
    assert page.get_by_role("link", name="Checkout discount").get_attribute("href") == (
        "#checkout-discount"
    )

    # One language at a time: English first.
    english, italian = (
        page.locator("#id_credits_intro_en"),
        page.locator("#id_credits_intro_it"),
    )
    assert english.is_visible() and english.input_value() == "Earn credits."
    assert not italian.is_visible()
    assert not page.locator("#id_credits_intro_es").is_visible()
    tabs = customer_area.get_by_role("tab")
    assert tabs.count() == 4
    assert (
        customer_area.get_by_role("tab", selected=True)
        .inner_text()
        .startswith("English")
    )

    customer_area.get_by_role("tab", name="Italian").click()
    assert italian.is_visible() and italian.input_value() == "Guadagna crediti."
    assert not english.is_visible()
    # The other section keeps its own tab.
    assert page.locator("#id_checkout_message_en").is_visible()
    italian.fill("Guadagna crediti con gli amici.")

    # The keyboard moves between tabs too.
    customer_area.get_by_role("tab", name="Italian").press("ArrowRight")
    page.locator("#id_credits_intro_pt").fill("Ganhe créditos.")

    checkout.get_by_role("tab", name="Spanish").click()
    page.locator("#id_checkout_button_text_es").fill("Pagar con saldo")
    checkout.get_by_role("button", name="Save").click()
    page.get_by_text("The settings were saved.").wait_for()

    saved = BalanceSettings.load()
    assert saved.credits_intro == {
        "en": "Earn credits.",
        "it": "Guadagna crediti con gli amici.",
        "pt": "Ganhe créditos.",
    }
    assert saved.checkout_button_text == {"es": "Pagar con saldo"}

    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 1800, height

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(URL)
    assert widest_overflow(page) == []
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_an_error_opens_its_languages_tab(page):
    log_in(page)
    page.goto(URL)
    checkout = page.locator("#checkout-discount")
    checkout.get_by_role("tab", name="Portuguese").click()
    page.locator("#id_checkout_button_text_pt").fill("x" * 100)
    page.evaluate(
        "document.querySelector('#id_checkout_button_text_pt').removeAttribute('maxlength')"
    )
    page.locator("#id_checkout_button_text_pt").fill("x" * 101)
    checkout.get_by_role("button", name="Save").click()

    field = page.locator("#id_checkout_button_text_pt")
    field.wait_for()
    assert field.is_visible()
    assert (
        checkout.get_by_role("tab", selected=True).inner_text().startswith("Portuguese")
    )
    assert BalanceSettings.load().checkout_button_text == {}


def test_without_javascript_every_language_shows(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    try:
        log_in(page)
        page.goto(URL)
        for code in ("en", "es", "it", "pt"):
            assert page.locator(f"#id_credits_intro_{code}").is_visible()
        assert page.get_by_role("tab").count() == 0  # the tab list stays hidden
        page.locator("#id_credits_intro_es").fill("Gana créditos.")
        page.locator("#customer-area").get_by_role("button", name="Save").click()
        page.get_by_text("The settings were saved.").wait_for()
        assert BalanceSettings.load().credits_intro == {"es": "Gana créditos."}
    finally:
        context.close()
