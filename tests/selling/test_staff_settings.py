"""The selling module's settings page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from selling.models import SellingSettings

pytestmark = pytest.mark.django_db

URL = reverse("selling:staff_settings")


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def test_settings_refused_to_staff_group(staff_client):
    assert staff_client.get(URL).status_code == 403
    response = staff_client.post(
        URL, {"bank_transfer_instructions_en": "x", "staff_notification_emails": ""}
    )

    assert response.status_code == 403
    assert SellingSettings.load().bank_transfer_instructions == {}


def test_settings_listed_in_settings_section_for_manager(manager_client):
    manager_page = manager_client.get(reverse("staff:settings")).content.decode()

    assert URL in manager_page


def test_settings_not_listed_for_staff_group(staff_client):
    assert URL not in staff_client.get(reverse("staff:settings")).content.decode()


def test_settings_saved(manager_client):
    response = manager_client.post(
        URL,
        {
            "bank_transfer_instructions_en": "IBAN IT00 X000; reference {order}",
            "bank_transfer_instructions_pt": "IBAN IT00 X000; referência {order}",
            "bank_transfer_instructions_es": "  ",
            "staff_notification_emails": " shop@example.com \n\nboss@example.com\n",
        },
    )

    assert response.status_code == 302
    settings_row = SellingSettings.load()
    assert settings_row.bank_transfer_instructions == {
        "en": "IBAN IT00 X000; reference {order}",
        "pt": "IBAN IT00 X000; referência {order}",
    }
    assert (
        settings_row.staff_notification_emails == "shop@example.com\nboss@example.com"
    )
    page = manager_client.get(URL).content.decode()
    assert "IBAN IT00 X000" in page


@pytest.mark.parametrize(
    "emails",
    ["not-an-address", "shop@example.com\nboss@", "a@example.com b@example.com"],
)
def test_settings_refuse_bad_addresses(manager_client, emails):
    response = manager_client.post(
        URL,
        {
            "bank_transfer_instructions_en": "new text",
            "staff_notification_emails": emails,
        },
    )

    assert response.status_code == 400
    assert "Not valid e-mail addresses" in " ".join(
        response.context["form"].errors["staff_notification_emails"]
    )
    settings_row = SellingSettings.load()
    assert settings_row.bank_transfer_instructions == {}
    assert settings_row.staff_notification_emails == ""
