"""The Expirations settings page (reminders, quick-renew window, the provenance and
bank lists). The customer list's "Call date" column: test_call_date_column.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from expirations.models import BankInstitute, ExpirationSettings, Provenance
from tests.expirations.factories import BankInstituteFactory, ProvenanceFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/staff/settings/expirations/"


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def test_settings_url_and_listed_on_settings_index(manager_client):
    assert reverse("expirations:staff_settings") == SETTINGS_URL
    index = manager_client.get(reverse("staff:settings")).content.decode()
    assert SETTINGS_URL in index


def test_settings_page_shows_current_values(manager_client):
    ProvenanceFactory(name="Trade fair")
    BankInstituteFactory(name="Old bank", is_archived=True)

    response = manager_client.get(SETTINGS_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="30, 7, 1"' in html
    assert "Trade fair" in html and "Old bank" in html
    assert "Archived" in html


def test_settings_save(manager_client):
    response = manager_client.post(
        SETTINGS_URL,
        {
            "reminder_days_before": "60; 14 3",
            "reminder_days_after": "2, 10",
            "quick_renew_days": "45",
        },
    )

    assert response.status_code == 302
    stored = ExpirationSettings.load()
    assert stored.reminder_days_before == [60, 14, 3]
    assert stored.reminder_days_after == [2, 10]
    assert stored.quick_renew_days == 45


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"reminder_days_before": "30, abc"}, "reminder_days_before", "“abc” is not"),
        ({"reminder_days_before": "30, -7"}, "reminder_days_before", "from 0 to 365"),
        ({"reminder_days_before": "7, 7"}, "reminder_days_before", "7 is repeated"),
        ({"reminder_days_after": "3, 3"}, "reminder_days_after", "3 is repeated"),
        ({"reminder_days_after": "-3"}, "reminder_days_after", "from 1 to 365"),
        ({"quick_renew_days": "abc"}, "quick_renew_days", "whole number of days"),
        ({"quick_renew_days": "-1"}, "quick_renew_days", "from 0 to 365"),
    ],
)
def test_settings_bad_input_clear_message_nothing_saved(
    manager_client, values, field, message
):
    data = {
        "reminder_days_before": "15, 5",
        "reminder_days_after": "3",
        "quick_renew_days": "20",
        **values,
    }

    response = manager_client.post(SETTINGS_URL, data)

    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message in response.content.decode().replace("&#x27;", "'")
    stored = ExpirationSettings.load()
    assert stored.reminder_days_before == [30, 7, 1]
    assert stored.quick_renew_days == 30


def test_settings_need_the_permission(staff_client):
    assert staff_client.get(SETTINGS_URL).status_code == 403
    assert (
        staff_client.post(
            SETTINGS_URL,
            {
                "reminder_days_before": "1",
                "reminder_days_after": "",
                "quick_renew_days": "1",
            },
        ).status_code
        == 403
    )
    assert ExpirationSettings.load().quick_renew_days == 30


@pytest.mark.parametrize("kind", ["provenance", "bank"])
def test_list_add_rename_archive_unarchive(manager_client, kind):
    model = Provenance if kind == "provenance" else BankInstitute

    response = manager_client.post(
        reverse("expirations:staff_choice_add", args=[kind]), {"name": "First"}
    )
    assert response.status_code == 302
    choice = model.objects.get()

    def change(action, **data):
        return manager_client.post(
            reverse("expirations:staff_choice_change", args=[kind, choice.pk, action]),
            data,
        )

    assert change("rename", name="Renamed").status_code == 302
    assert change("archive").status_code == 302
    choice.refresh_from_db()
    assert (choice.name, choice.is_archived) == ("Renamed", True)
    assert change("unarchive").status_code == 302
    choice.refresh_from_db()
    assert not choice.is_archived


def test_list_add_duplicate_shows_message(manager_client):
    ProvenanceFactory(name="Web")

    response = manager_client.post(
        reverse("expirations:staff_choice_add", args=["provenance"]), {"name": "web"}
    )

    assert response.status_code == 400
    assert "“Web” is already in the list." in response.content.decode()
    assert Provenance.objects.count() == 1


def test_list_add_empty_name_shows_message(manager_client):
    response = manager_client.post(
        reverse("expirations:staff_choice_add", args=["bank"]), {"name": "  "}
    )

    assert response.status_code == 400
    assert not BankInstitute.objects.exists()


def test_list_rename_duplicate_shows_message_next_to_row(manager_client):
    first = ProvenanceFactory(name="Web")
    ProvenanceFactory(name="Phone")

    response = manager_client.post(
        reverse(
            "expirations:staff_choice_change", args=["provenance", first.pk, "rename"]
        ),
        {"name": "PHONE"},
    )

    assert response.status_code == 400
    assert response.context["rename_key"] == f"provenance-{first.pk}"
    assert "“Phone” is already in the list." in response.content.decode()
    first.refresh_from_db()
    assert first.name == "Web"


def test_list_unknown_kind_or_action_or_choice_404(manager_client):
    provenance = ProvenanceFactory()
    assert (
        manager_client.post(
            reverse("expirations:staff_choice_add", args=["colour"]), {"name": "x"}
        ).status_code
        == 404
    )
    assert (
        manager_client.post(
            reverse(
                "expirations:staff_choice_change",
                args=["provenance", provenance.pk, "explode"],
            )
        ).status_code
        == 404
    )
    assert (
        manager_client.post(
            reverse(
                "expirations:staff_choice_change",
                args=["provenance", 999999, "archive"],
            )
        ).status_code
        == 404
    )


def test_list_changes_need_permissions(staff_client):
    provenance = ProvenanceFactory(name="Kept")

    add = staff_client.post(
        reverse("expirations:staff_choice_add", args=["provenance"]), {"name": "New"}
    )
    rename = staff_client.post(
        reverse(
            "expirations:staff_choice_change",
            args=["provenance", provenance.pk, "rename"],
        ),
        {"name": "Changed"},
    )

    assert (add.status_code, rename.status_code) == (403, 403)
    assert list(Provenance.objects.values_list("name", flat=True)) == ["Kept"]
