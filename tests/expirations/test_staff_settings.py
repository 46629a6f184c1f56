"""The Expirations settings page (reminders, quick-renew window, the provenance and
bank lists) and the customer list's "Call date" column."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, CustomerAction
from expirations.models import BankInstitute, ExpirationSettings, Provenance
from tests.customers.factories import CustomerFactory
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


# --- The customer list's "Call date" column ---

LIST_URL = "/staff/customers/"


def call(customer, days_ago, kind=CustomerAction.Kind.CALL):
    action = CustomerAction.objects.create(customer=customer, kind=kind, title="Call")
    moment = timezone.now() - timedelta(days=days_ago)
    CustomerAction.objects.filter(pk=action.pk).update(created_at=moment)
    return moment


def test_call_date_column_shows_last_call(staff_client):
    customer = CustomerFactory(last_name="Called")
    call(customer, days_ago=30)
    latest = call(customer, days_ago=2)
    call(customer, days_ago=1, kind=CustomerAction.Kind.MEETING)
    CustomerFactory(last_name="Never")

    response = staff_client.get(LIST_URL)

    table = response.context["table"]
    assert "call_date" in [column.name for column in table.columns]
    assert "Call date" in response.content.decode()
    values = {
        row.record.last_name: row.record.list_call_date
        for row in table.page.object_list
    }
    assert values["Called"] == latest
    assert values["Never"] is None


def test_call_date_sort_puts_never_called_last_both_ways(staff_client):
    old = CustomerFactory(last_name="Old")
    recent = CustomerFactory(last_name="Recent")
    CustomerFactory(last_name="Never")
    call(old, days_ago=20)
    call(recent, days_ago=1)

    def order(sort):
        response = staff_client.get(LIST_URL, {"sort": sort})
        return [
            row.record.last_name for row in response.context["table"].page.object_list
        ]

    assert order("call_date") == ["Old", "Recent", "Never"]
    assert order("-call_date") == ["Recent", "Old", "Never"]


def test_call_date_column_no_n_plus_one(staff_client):
    for index in range(3):
        call(CustomerFactory(), days_ago=index)
    staff_client.get(LIST_URL)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(LIST_URL, {"sort": "-call_date"})

    for index in range(30):
        call(CustomerFactory(), days_ago=index)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(LIST_URL, {"sort": "-call_date"})

    assert len(response.context["table"].page.object_list) == 25
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Customer.objects.count() == 33
