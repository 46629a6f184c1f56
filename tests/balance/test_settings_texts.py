"""The settings' texts are one per language; customers read theirs, or the English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from balance.models import BalanceSettings
from balance.services.staff import balance_settings_save
from tests.balance.support import credit
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("balance:settings")
GENERAL = {
    "credits_section_enabled": "on",
    "withdrawals_enabled": "on",
    "withdrawal_minimum": "20.00",
    "payout_change_review_hours": "48",
    "checkout_button_colour": "#2346c8",
    "checkout_button_style": "filled",
    "staff_notification_emails": "",
}


@pytest.fixture
def texts():
    row = BalanceSettings.load()
    row.withdrawals_enabled = True
    row.withdrawal_minimum = Decimal("20.00")
    row.credits_intro = {
        "en": "Earn credits with referrals.",
        "it": "Guadagna crediti.",
    }
    row.message_below_minimum = {"en": "Not yet.", "es": "Todavía no.", "it": "   "}
    row.message_minimum_reached = {"en": "Cash out now!", "pt": "Pode levantar!"}
    row.checkout_message = {"en": "Use {balance}", "it": "Usa {balance}"}
    row.checkout_button_text = {"es": "Pagar con saldo"}
    row.save()
    return row


@pytest.fixture
def manager_client(client):
    client.force_login(StaffFactory(groups=["Manager"]))
    return client


# --- localized() ---


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("it", "Usa {balance}"),
        ("en", "Use {balance}"),
        ("es", "Use {balance}"),  # blank in Spanish: English
        ("pt-br", "Use {balance}"),
    ],
)
def test_localized_reads_the_active_language_then_english(texts, language, expected):
    with translation.override(language):
        assert texts.localized("checkout_message") == expected


def test_localized_takes_a_language_and_treats_blank_as_missing(texts):
    assert texts.localized("message_below_minimum", "it") == "Not yet."
    assert texts.localized("message_below_minimum", "es") == "Todavía no."
    assert texts.localized("message_minimum_reached", "pt-br") == "Pode levantar!"
    assert texts.localized("checkout_button_text", "it") == ""
    assert texts.localized("checkout_button_text", "es") == "Pagar con saldo"
    assert texts.localized("credits_intro", "xx") == "Earn credits with referrals."


def test_localized_falls_back_to_the_sites_language_before_english(texts, settings):
    settings.LANGUAGE_CODE = "it"

    assert texts.localized("credits_intro", "pt") == "Guadagna crediti."


def test_localized_accepts_one_text_for_every_language():
    row = BalanceSettings.load()
    row.checkout_message = "Use {balance}"

    assert row.localized("checkout_message", "it") == "Use {balance}"


def test_localized_refuses_a_field_that_is_not_a_text():
    with pytest.raises(ValueError, match="withdrawal_minimum"):
        BalanceSettings.load().localized("withdrawal_minimum")


def test_settings_texts_are_checked_by_the_service():
    with pytest.raises(ValidationError) as error:
        balance_settings_save(credits_intro={"xx": "?"})
    assert "credits_intro" in error.value.message_dict
    with pytest.raises(ValidationError):
        balance_settings_save(checkout_message=["not", "a", "dict"])
    assert BalanceSettings.load().credits_intro == {}


# --- the settings page ---


def test_settings_page_groups_the_texts_by_language(manager_client, texts):
    response = manager_client.get(SETTINGS)

    html = response.content.decode()
    assert response.status_code == 200
    groups = response.context["form"].language_groups()
    assert [group["code"] for group in groups] == ["en", "es", "it", "pt"]
    assert [group["open"] for group in groups] == [True, True, True, True]
    for code in ("en", "es", "it", "pt"):
        assert f'data-language="{code}"' in html
        assert f'name="credits_intro_{code}"' in html
        assert f'name="checkout_button_text_{code}"' in html
    assert "Guadagna crediti." in html
    assert 'name="credits_intro"' not in html


def test_settings_page_saves_each_language_and_drops_the_blank_ones(manager_client):
    data = {
        **GENERAL,
        "credits_intro_en": "Hello",
        "credits_intro_it": "Ciao",
        "credits_intro_es": "  ",
        "checkout_button_text_pt": "Usar saldo",
    }

    response = manager_client.post(SETTINGS, data)

    assert response.status_code == 302
    saved = BalanceSettings.load()
    assert saved.credits_intro == {"en": "Hello", "it": "Ciao"}
    assert saved.checkout_button_text == {"pt": "Usar saldo"}
    assert saved.message_below_minimum == {}
    assert saved.withdrawal_minimum == Decimal("20.00")


def test_settings_page_refuses_a_long_button_text_and_keeps_the_rest(
    manager_client, texts
):
    data = {
        **GENERAL,
        "credits_intro_en": "Changed",
        "checkout_button_text_it": "x" * 101,
    }

    response = manager_client.post(SETTINGS, data)

    assert response.status_code == 400
    assert response.context["form"].errors["checkout_button_text_it"]
    italian = next(
        group
        for group in response.context["form"].language_groups()
        if group["code"] == "it"
    )
    assert italian["open"]
    assert BalanceSettings.load().credits_intro["en"] == "Earn credits with referrals."


# --- what the customer reads ---


@pytest.mark.parametrize(
    ("language", "intro", "minimum_message"),
    [
        ("it", "Guadagna crediti.", "Not yet."),
        ("es", "Earn credits with referrals.", "Todavía no."),
        ("en", "Earn credits with referrals.", "Not yet."),
    ],
)
def test_customer_reads_the_texts_of_their_language(
    client, texts, language, intro, minimum_message
):
    customer = CustomerWithLoginFactory(language=language)
    client.force_login(customer.user)

    response = client.get("/account/credits/")

    assert response.status_code == 200
    assert response.context["credits_intro"] == intro
    assert response.context["minimum_message"] == minimum_message
    assert intro in response.content.decode()


def test_customer_reads_the_reached_message_of_their_language(client, texts):
    customer = CustomerWithLoginFactory(language="pt")
    credit(customer, "25.00")
    client.force_login(customer.user)

    for url in ("/account/credits/", "/account/credits/withdraw/"):
        assert "Pode levantar!" in client.get(url).content.decode()


def test_without_any_text_the_built_in_minimum_message_is_shown(client):
    row = BalanceSettings.load()
    row.withdrawals_enabled = True
    row.save()
    customer = CustomerWithLoginFactory(language="en")
    client.force_login(customer.user)

    html = client.get("/account/credits/").content.decode()

    assert "your available balance has not reached it yet" in html
