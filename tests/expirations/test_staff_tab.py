"""The Expirations tab of the customer card: list, history, totals, add, edit,
cancel and delete, with the permissions of each."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from expirations.models import Expiration, ExpirationEvent
from expirations.services import records
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import (
    BankInstituteFactory,
    ExpirationFactory,
    ProvenanceFactory,
    ServiceProductFactory,
)

pytestmark = pytest.mark.django_db

VIEW = ("customers.view_customer", "expirations.view_expiration")


def staff_with(*codenames):
    user = StaffFactory()
    for codename in codenames:
        app, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=name)
        )
    return user


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def tab_url(customer):
    return reverse("expirations:staff_tab", args=[customer.pk])


def form_data(**values):
    data = {
        "product": "",
        "item": "Domain example.com",
        "quantity": "1",
        "amount": "15,00",
        "start_date": "2026-03-01",
        "expiry_date": "2027-03-01",
        "provenance": "",
        "bank_institute": "",
        "notes": "",
    }
    data.update(values)
    return data


def test_roles_get_the_expected_permissions():
    staff = set(
        Group.objects.get(name="Staff")
        .permissions.filter(content_type__app_label="expirations")
        .values_list("codename", flat=True)
    )
    manager = set(
        Group.objects.get(name="Manager")
        .permissions.filter(content_type__app_label="expirations")
        .values_list("codename", flat=True)
    )
    assert {"view_expiration", "add_expiration", "change_expiration"} <= staff
    assert "delete_expiration" not in staff
    assert "change_expirationsettings" not in staff
    assert {"delete_expiration", "change_expirationsettings"} <= manager
    assert {"add_provenance", "change_bankinstitute"} <= manager


def test_tab_is_listed_on_the_card(staff_client):
    customer = CustomerFactory()

    response = staff_client.get(reverse("customers:card", args=[customer.pk]))

    assert tab_url(customer) in response.content.decode()


def test_tab_lists_states_days_left_history_and_totals(staff_client):
    customer = CustomerFactory()
    today = timezone.localdate()
    staff = StaffFactory(first_name="Ada", last_name="Lovelace")
    soon = records.expiration_create(
        customer,
        item="Support soon",
        amount="100.00",
        start_date=today - timedelta(days=300),
        expiry_date=today + timedelta(days=10),
        user=staff,
    )
    records.expiration_update(
        customer, expiration_id=soon.pk, amount="110.00", user=staff
    )
    ExpirationFactory(
        customer=customer,
        item="Licence later",
        amount=Decimal("50.00"),
        expiry_date=today + timedelta(days=200),
    )
    ExpirationFactory(
        customer=customer,
        item="Old hosting",
        amount=Decimal("30.00"),
        expiry_date=today - timedelta(days=5),
    )
    ExpirationFactory(
        customer=customer,
        item="Cancelled thing",
        amount=Decimal("7.00"),
        is_cancelled=True,
    )
    ExpirationFactory(item="Someone else's")

    response = staff_client.get(tab_url(customer))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else" not in html
    states = {e.label: e.state for e in response.context["expirations"]}
    assert states == {
        "Support soon": "expiring_soon",
        "Licence later": "active",
        "Old hosting": "expired",
        "Cancelled thing": "cancelled",
    }
    days = {e.label: e.days_left_today for e in response.context["expirations"]}
    assert days["Support soon"] == 10
    assert days["Old hosting"] == -5
    totals = response.context["totals"]
    assert totals["active_amount"] == Decimal("160.00")
    assert totals["ended_amount"] == Decimal("37.00")
    assert (totals["active_count"], totals["ended_count"]) == (2, 2)
    assert "160.00" in html and "37.00" in html
    assert "Amount: 100.00 → 110.00" in html
    assert "Ada Lovelace" in html or staff.email in html


def test_tab_needs_view_expiration(client):
    client.force_login(staff_with("customers.view_customer"))

    response = client.get(tab_url(CustomerFactory()))

    assert response.status_code == 403


def test_tab_anonymous_goes_to_login(client):
    response = client.get(tab_url(CustomerFactory()))

    assert response.status_code == 302
    assert reverse("staff:login") in response["Location"]


def test_tab_unknown_customer_404(staff_client):
    assert (
        staff_client.get(reverse("expirations:staff_tab", args=[99999])).status_code
        == 404
    )


def test_tab_query_count_constant(staff_client):
    customer = CustomerFactory()
    records.expiration_create(
        customer,
        item="One",
        start_date=date(2026, 1, 1),
        expiry_date=date(2027, 1, 1),
    )
    staff_client.get(tab_url(customer))  # warm caches (content types, settings row)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(tab_url(customer))

    provenance = ProvenanceFactory()
    bank = BankInstituteFactory()
    product = ServiceProductFactory()
    for number in range(6):
        expiration = records.expiration_create(
            customer,
            product_id=product.pk if number % 2 else None,
            item=f"Item {number}",
            start_date=date(2026, 1, 1),
            expiry_date=date(2027, 1, 1) + timedelta(days=number),
            provenance_id=provenance.pk,
            bank_institute_id=bank.pk,
            user=StaffFactory(),
        )
        records.expiration_update(
            customer, expiration_id=expiration.pk, amount="5.00", user=StaffFactory()
        )
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(tab_url(customer))

    assert len(response.context["expirations"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Add ---


def test_add_form_shows_and_creates(staff_client):
    customer = CustomerFactory()
    product = ServiceProductFactory(name="Yearly support")
    provenance = ProvenanceFactory(name="Website")

    page = staff_client.get(reverse("expirations:staff_create", args=[customer.pk]))
    assert page.status_code == 200
    assert "Yearly support" in page.content.decode()

    response = staff_client.post(
        reverse("expirations:staff_create", args=[customer.pk]),
        form_data(product=str(product.pk), item="", provenance=str(provenance.pk)),
    )

    assert response.status_code == 302
    assert response["Location"] == tab_url(customer)
    expiration = Expiration.objects.get(customer=customer)
    assert expiration.product == product
    assert expiration.amount == Decimal("15.00")
    assert expiration.provenance == provenance
    assert expiration.anchor_day == 1
    assert expiration.events.get().kind == ExpirationEvent.Kind.CREATED


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"start_date": "2027-01-02", "expiry_date": "2027-01-01"},
            "expiry_date",
            "is before the start date",
        ),
        ({"amount": "-5"}, "amount", "cannot be negative"),
        ({"amount": "abc"}, "amount", "is not an amount"),
        ({"product": "999999", "item": ""}, "product", "not in the list"),
        ({"item": ""}, "item", "Choose a product of the catalog or type"),
        ({"expiry_date": "31/31/2027"}, "expiry_date", "Enter a date such as"),
        ({"quantity": "0"}, "quantity", "at least 1"),
        ({"expiry_date": ""}, "expiry_date", "Enter the expiry date"),
    ],
)
def test_add_bad_input_shows_message_saves_nothing(
    staff_client, values, field, message
):
    customer = CustomerFactory()

    response = staff_client.post(
        reverse("expirations:staff_create", args=[customer.pk]), form_data(**values)
    )

    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert message in response.content.decode().replace("&quot;", '"')
    assert not Expiration.objects.exists()


def test_add_archived_provenance_is_not_offered_and_refused(staff_client):
    customer = CustomerFactory()
    archived = ProvenanceFactory(name="Old fair", is_archived=True)

    page = staff_client.get(reverse("expirations:staff_create", args=[customer.pk]))
    response = staff_client.post(
        reverse("expirations:staff_create", args=[customer.pk]),
        form_data(provenance=str(archived.pk)),
    )

    assert "Old fair" not in page.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors["provenance"]
    assert not Expiration.objects.exists()


def test_add_needs_add_permission(client):
    client.force_login(staff_with(*VIEW))
    customer = CustomerFactory()

    response = client.post(
        reverse("expirations:staff_create", args=[customer.pk]), form_data()
    )

    assert response.status_code == 403
    assert not Expiration.objects.exists()


def test_add_blank_amount_and_expiry_come_from_the_catalog_product(staff_client):
    customer = CustomerFactory()
    product = ServiceProductFactory(
        price=Decimal("49.90"), renewal_period=1, renewal_unit="months"
    )

    response = staff_client.post(
        reverse("expirations:staff_create", args=[customer.pk]),
        form_data(
            product=str(product.pk),
            item="",
            quantity="2",
            amount="",
            start_date="2026-01-31",
            expiry_date="",
        ),
    )

    assert response.status_code == 302
    expiration = Expiration.objects.get(customer=customer)
    assert expiration.amount == Decimal("99.80")
    assert expiration.expiry_date == date(2026, 2, 28)
    # The start's day is the anchor: the next monthly renewal lands on 31 March.
    assert expiration.anchor_day == 31
    assert expiration.events.get().expiry_date == date(2026, 2, 28)


def test_add_typed_amount_and_expiry_win_over_the_product(staff_client):
    customer = CustomerFactory()
    product = ServiceProductFactory(price=Decimal("49.90"))

    response = staff_client.post(
        reverse("expirations:staff_create", args=[customer.pk]),
        form_data(
            product=str(product.pk),
            item="",
            amount="0",
            start_date="2026-03-01",
            expiry_date="2026-09-15",
        ),
    )

    assert response.status_code == 302
    expiration = Expiration.objects.get(customer=customer)
    assert expiration.amount == Decimal("0.00")
    assert expiration.expiry_date == date(2026, 9, 15)
    assert expiration.anchor_day == 15


def test_add_blank_amount_without_product_is_zero(staff_client):
    customer = CustomerFactory()

    response = staff_client.post(
        reverse("expirations:staff_create", args=[customer.pk]), form_data(amount="")
    )

    assert response.status_code == 302
    assert Expiration.objects.get(customer=customer).amount == Decimal("0.00")


def test_add_form_says_what_blank_means(staff_client):
    customer = CustomerFactory()

    page = staff_client.get(reverse("expirations:staff_create", args=[customer.pk]))

    html = page.content.decode().replace("&#x27;", "'")
    assert "Leave blank to take the product's price times the quantity" in html
    assert "Leave blank to count one renewal period of the product" in html
    assert page.context["form"]["amount"].value() in (None, "")


def test_edit_blank_amount_or_expiry_is_refused(staff_client):
    customer = CustomerFactory()
    product = ServiceProductFactory(price=Decimal("49.90"))
    expiration = ExpirationFactory(
        customer=customer, product=product, item="", amount=Decimal("12.00")
    )
    expiry = expiration.expiry_date
    url = reverse("expirations:staff_update", args=[customer.pk, expiration.pk])

    response = staff_client.post(
        url, form_data(product=str(product.pk), item="", amount="", expiry_date="")
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"amount", "expiry_date"}
    expiration.refresh_from_db()
    assert expiration.amount == Decimal("12.00")
    assert expiration.expiry_date == expiry


# --- Edit ---


def test_edit_changes_and_records_event(staff_client):
    customer = CustomerFactory()
    expiration = ExpirationFactory(customer=customer, item="Domain")
    url = reverse("expirations:staff_update", args=[customer.pk, expiration.pk])

    page = staff_client.get(url)
    response = staff_client.post(
        url,
        form_data(
            item="Domain",
            amount="20.00",
            start_date=expiration.start_date.isoformat(),
            expiry_date="2030-06-15",
        ),
    )

    assert page.status_code == 200
    assert response.status_code == 302
    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2030, 6, 15)
    assert expiration.anchor_day == 15
    event = expiration.events.get(kind=ExpirationEvent.Kind.CHANGED)
    assert event.previous_expiry_date is not None


def test_edit_another_customers_expiration_is_404(staff_client):
    customer = CustomerFactory()
    other = ExpirationFactory()
    url = reverse("expirations:staff_update", args=[customer.pk, other.pk])

    assert staff_client.get(url).status_code == 404
    assert staff_client.post(url, form_data(amount="1.00")).status_code == 404
    other.refresh_from_db()
    assert other.amount == Decimal("120.00")


def test_edit_bad_dates_nothing_saved(staff_client):
    customer = CustomerFactory()
    expiration = ExpirationFactory(customer=customer)
    url = reverse("expirations:staff_update", args=[customer.pk, expiration.pk])

    response = staff_client.post(
        url, form_data(start_date="2030-01-01", expiry_date="2029-01-01")
    )

    assert response.status_code == 400
    assert "before the start date" in response.context["form"].errors["expiry_date"][0]
    expiration.refresh_from_db()
    assert expiration.item.startswith("Support contract")


def test_edit_needs_change_permission(client):
    client.force_login(staff_with(*VIEW))
    expiration = ExpirationFactory()
    url = reverse(
        "expirations:staff_update", args=[expiration.customer_id, expiration.pk]
    )

    assert client.get(url).status_code == 403


# --- Cancel ---


def test_cancel_post_cancels_with_reason(staff_client):
    customer = CustomerFactory()
    expiration = ExpirationFactory(customer=customer)

    response = staff_client.post(
        reverse("expirations:staff_cancel", args=[customer.pk, expiration.pk]),
        {"reason": "Customer closed the shop"},
    )

    assert response.status_code == 302
    expiration.refresh_from_db()
    assert expiration.is_cancelled
    assert expiration.events.get().note == "Customer closed the shop"


def test_cancel_twice_shows_message(staff_client):
    customer = CustomerFactory()
    expiration = ExpirationFactory(customer=customer, is_cancelled=True)

    response = staff_client.post(
        reverse("expirations:staff_cancel", args=[customer.pk, expiration.pk]), {}
    )

    assert response.status_code == 400
    assert "already cancelled" in response.content.decode()


def test_cancel_is_post_only(staff_client):
    expiration = ExpirationFactory()
    url = reverse(
        "expirations:staff_cancel", args=[expiration.customer_id, expiration.pk]
    )

    assert staff_client.get(url).status_code == 405


# --- Delete ---


def test_delete_asks_then_deletes(manager_client):
    customer = CustomerFactory()
    expiration = ExpirationFactory(customer=customer, item="Mistake")
    url = reverse("expirations:staff_delete", args=[customer.pk, expiration.pk])

    page = manager_client.get(url)
    assert page.status_code == 200
    assert "Mistake" in page.content.decode()
    assert Expiration.objects.filter(pk=expiration.pk).exists()

    response = manager_client.post(url)

    assert response.status_code == 302
    assert not Expiration.objects.filter(pk=expiration.pk).exists()


def test_delete_needs_delete_permission(staff_client):
    expiration = ExpirationFactory()
    url = reverse(
        "expirations:staff_delete", args=[expiration.customer_id, expiration.pk]
    )

    assert staff_client.get(url).status_code == 403
    assert staff_client.post(url).status_code == 403
    assert Expiration.objects.filter(pk=expiration.pk).exists()


def test_delete_another_customers_expiration_is_404(manager_client):
    expiration = ExpirationFactory()
    url = reverse(
        "expirations:staff_delete", args=[CustomerFactory().pk, expiration.pk]
    )

    assert manager_client.post(url).status_code == 404
    assert Expiration.objects.filter(pk=expiration.pk).exists()


def test_tab_hides_actions_without_permissions(client):
    client.force_login(staff_with(*VIEW))
    customer = CustomerFactory()
    expiration = ExpirationFactory(customer=customer)

    html = client.get(tab_url(customer)).content.decode()

    assert reverse("expirations:staff_create", args=[customer.pk]) not in html
    assert (
        reverse("expirations:staff_delete", args=[customer.pk, expiration.pk])
        not in html
    )
