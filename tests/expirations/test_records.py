"""Staff's records services: expirations created, changed, cancelled and deleted by
hand; the provenance and bank lists; the settings. Bad input: a clear message and
nothing saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from expirations.models import (
    BankInstitute,
    Expiration,
    ExpirationEvent,
    ExpirationSettings,
    Provenance,
)
from expirations.services import records
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import (
    BankInstituteFactory,
    ExpirationFactory,
    ProductFactory,
    ProvenanceFactory,
    ServiceProductFactory,
)

pytestmark = pytest.mark.django_db

START = date(2026, 1, 31)
EXPIRY = date(2027, 1, 31)


def create(customer=None, **values):
    defaults = {
        "item": "Hosting plan",
        "amount": "99.90",
        "start_date": START,
        "expiry_date": EXPIRY,
    }
    return records.expiration_create(
        customer or CustomerFactory(), **{**defaults, **values}
    )


def error_fields(error: ValidationError) -> dict:
    return error.value.message_dict


def test_create_records_expiration_anchor_and_created_event():
    staff = StaffFactory()
    provenance = ProvenanceFactory(name="Reseller")
    bank = BankInstituteFactory(name="Intesa")
    product = ServiceProductFactory()

    expiration = create(
        product_id=product.pk,
        item="",
        quantity=2,
        provenance_id=provenance.pk,
        bank_institute_id=bank.pk,
        user=staff,
    )

    expiration.refresh_from_db()
    assert expiration.amount == Decimal("99.90")
    assert expiration.anchor_day == 31
    assert expiration.product == product
    assert expiration.label == product.name
    assert expiration.created_by == staff
    event = expiration.events.get()
    assert event.kind == ExpirationEvent.Kind.CREATED
    assert event.user == staff
    assert event.expiry_date == EXPIRY
    assert event.customer_id == expiration.customer_id


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"start_date": date(2026, 5, 1), "expiry_date": date(2026, 4, 30)},
            "expiry_date",
            "is before the start date",
        ),
        ({"amount": "-1.00"}, "amount", "cannot be negative"),
        ({"amount": "1.234"}, "amount", "2 decimal places"),
        ({"amount": "99999999999.00"}, "amount", "too large"),
        ({"product_id": 999999, "item": ""}, "product", "not in the catalog"),
        ({"item": ""}, "item", "Choose a product of the catalog or type"),
        ({"quantity": 0}, "quantity", "at least 1"),
        ({"expiry_date": None}, "expiry_date", "Enter the expiry date"),
    ],
)
def test_create_bad_input_clear_message_nothing_saved(values, field, message):
    customer = CustomerFactory()

    with pytest.raises(ValidationError) as error:
        create(customer, **values)

    assert message in " ".join(error_fields(error)[field])
    assert not Expiration.objects.exists()
    assert not ExpirationEvent.objects.exists()


def test_create_refuses_product_without_renewal_period():
    product = ProductFactory(name="Mug")

    with pytest.raises(ValidationError) as error:
        create(product_id=product.pk, item="")

    assert "“Mug” has no renewal period" in error_fields(error)["product"][0]
    assert not Expiration.objects.exists()


def test_create_refuses_archived_provenance_and_bank():
    provenance = ProvenanceFactory(name="Old fair", is_archived=True)
    bank = BankInstituteFactory(name="Closed bank", is_archived=True)

    with pytest.raises(ValidationError) as error:
        create(provenance_id=provenance.pk, bank_institute_id=bank.pk)

    fields = error_fields(error)
    assert "“Old fair” is archived" in fields["provenance"][0]
    assert "“Closed bank” is archived" in fields["bank_institute"][0]
    assert not Expiration.objects.exists()


def test_create_refuses_unknown_provenance():
    with pytest.raises(ValidationError) as error:
        create(provenance_id=424242)

    assert "does not exist" in error_fields(error)["provenance"][0]


def test_update_writes_changed_event_with_what_changed_and_moves_anchor():
    customer = CustomerFactory()
    expiration = create(customer)
    staff = StaffFactory()

    records.expiration_update(
        customer,
        expiration_id=expiration.pk,
        user=staff,
        expiry_date=date(2027, 2, 28),
        amount=Decimal("120.00"),
    )

    expiration.refresh_from_db()
    assert expiration.expiry_date == date(2027, 2, 28)
    assert expiration.anchor_day == 28
    assert expiration.amount == Decimal("120.00")
    event = expiration.events.filter(kind=ExpirationEvent.Kind.CHANGED).get()
    assert event.previous_expiry_date == EXPIRY
    assert event.expiry_date == date(2027, 2, 28)
    assert event.user == staff
    assert "Amount: 99.90 → 120.00" in event.note
    assert "expiry date:" in event.note


def test_update_without_new_expiry_keeps_anchor_and_names_the_change():
    customer = CustomerFactory()
    expiration = create(customer)
    Expiration.objects.filter(pk=expiration.pk).update(anchor_day=31)

    records.expiration_update(customer, expiration_id=expiration.pk, notes="Call first")

    expiration.refresh_from_db()
    assert expiration.anchor_day == 31
    event = expiration.events.get(kind=ExpirationEvent.Kind.CHANGED)
    assert event.note == "Notes changed"
    assert event.previous_expiry_date is None


def test_update_nothing_changed_writes_no_event():
    customer = CustomerFactory()
    expiration = create(customer)

    records.expiration_update(
        customer, expiration_id=expiration.pk, item="Hosting plan"
    )

    assert list(expiration.events.values_list("kind", flat=True)) == ["created"]


def test_update_another_customers_expiration_is_refused():
    owner, other = CustomerFactory(), CustomerFactory()
    expiration = create(owner)

    with pytest.raises(ValidationError) as error:
        records.expiration_update(other, expiration_id=expiration.pk, amount="1.00")

    assert "belongs to another customer" in error.value.messages[0]
    expiration.refresh_from_db()
    assert expiration.amount == Decimal("99.90")
    assert expiration.events.count() == 1


def test_update_bad_dates_nothing_saved():
    customer = CustomerFactory()
    expiration = create(customer)

    with pytest.raises(ValidationError) as error:
        records.expiration_update(
            customer, expiration_id=expiration.pk, expiry_date=date(2025, 1, 1)
        )

    assert "before the start date" in error_fields(error)["expiry_date"][0]
    expiration.refresh_from_db()
    assert expiration.expiry_date == EXPIRY
    assert expiration.events.count() == 1


def test_update_keeps_an_archived_provenance_it_already_has():
    customer = CustomerFactory()
    provenance = ProvenanceFactory()
    expiration = create(customer, provenance_id=provenance.pk)
    records.provenance_set_archived(provenance_id=provenance.pk, archived=True)

    records.expiration_update(
        customer,
        expiration_id=expiration.pk,
        amount="10.00",
        provenance_id=provenance.pk,
    )

    expiration.refresh_from_db()
    assert expiration.provenance == provenance
    assert expiration.amount == Decimal("10.00")


def test_update_to_another_archived_provenance_is_refused():
    customer = CustomerFactory()
    expiration = create(customer)
    archived = ProvenanceFactory(name="Gone", is_archived=True)

    with pytest.raises(ValidationError) as error:
        records.expiration_update(
            customer, expiration_id=expiration.pk, provenance_id=archived.pk
        )

    assert "“Gone” is archived" in error_fields(error)["provenance"][0]


def test_cancel_writes_event_and_refuses_twice():
    customer = CustomerFactory()
    expiration = create(customer)

    records.expiration_cancel(customer, expiration_id=expiration.pk, reason="Closed")

    expiration.refresh_from_db()
    assert expiration.is_cancelled
    event = expiration.events.get(kind=ExpirationEvent.Kind.CANCELLED)
    assert event.note == "Closed"
    with pytest.raises(ValidationError, match="already cancelled"):
        records.expiration_cancel(customer, expiration_id=expiration.pk)
    assert expiration.events.filter(kind=ExpirationEvent.Kind.CANCELLED).count() == 1


def test_cancel_another_customers_expiration_is_refused():
    expiration = ExpirationFactory()

    with pytest.raises(ValidationError, match="belongs to another customer"):
        records.expiration_cancel(CustomerFactory(), expiration_id=expiration.pk)

    expiration.refresh_from_db()
    assert not expiration.is_cancelled


def test_delete_removes_expiration_and_history():
    customer = CustomerFactory()
    expiration = create(customer)

    label = records.expiration_delete(customer, expiration_id=expiration.pk)

    assert label == "Hosting plan"
    assert not Expiration.objects.exists()
    assert not ExpirationEvent.objects.exists()


def test_delete_another_customers_expiration_is_refused():
    expiration = ExpirationFactory()

    with pytest.raises(ValidationError, match="belongs to another customer"):
        records.expiration_delete(CustomerFactory(), expiration_id=expiration.pk)

    assert Expiration.objects.filter(pk=expiration.pk).exists()


# --- Provenance and bank-institute lists ---


def test_provenance_add_rename_archive_unarchive():
    provenance = records.provenance_add(name="  Trade   fair ")
    assert provenance.name == "Trade fair"

    records.provenance_rename(provenance_id=provenance.pk, name="Trade fair 2026")
    records.provenance_set_archived(provenance_id=provenance.pk, archived=True)
    provenance.refresh_from_db()
    assert provenance.name == "Trade fair 2026"
    assert provenance.is_archived

    records.provenance_set_archived(provenance_id=provenance.pk, archived=False)
    provenance.refresh_from_db()
    assert not provenance.is_archived


def test_bank_institute_add_rename_archive():
    bank = records.bank_institute_add(name="UniCredit")
    records.bank_institute_rename(bank_institute_id=bank.pk, name="UniCredit SpA")
    records.bank_institute_set_archived(bank_institute_id=bank.pk, archived=True)

    bank.refresh_from_db()
    assert (bank.name, bank.is_archived) == ("UniCredit SpA", True)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name"),
        ("   ", "Enter a name"),
        ("x" * 121, "under 120 characters"),
        ("reseller", "“Reseller” is already in the list."),
    ],
)
def test_provenance_add_bad_names(name, message):
    ProvenanceFactory(name="Reseller")

    with pytest.raises(ValidationError) as error:
        records.provenance_add(name=name)

    assert message in error_fields(error)["name"][0]
    assert Provenance.objects.count() == 1


def test_add_a_name_that_is_archived_suggests_unarchiving():
    BankInstituteFactory(name="Old bank", is_archived=True)

    with pytest.raises(ValidationError) as error:
        records.bank_institute_add(name="OLD BANK")

    assert "unarchive it instead" in error_fields(error)["name"][0]
    assert BankInstitute.objects.count() == 1


def test_rename_to_another_existing_name_refused_to_itself_allowed():
    first = ProvenanceFactory(name="Web")
    ProvenanceFactory(name="Phone")

    with pytest.raises(ValidationError):
        records.provenance_rename(provenance_id=first.pk, name="phone")
    records.provenance_rename(provenance_id=first.pk, name="WEB")

    first.refresh_from_db()
    assert first.name == "WEB"


def test_rename_unknown_choice_refused():
    with pytest.raises(ValidationError, match="does not exist"):
        records.provenance_rename(provenance_id=987654, name="x")


# --- Settings ---


def test_settings_save_sorted():
    settings_row = records.expiration_settings_save(
        reminder_days_before=[7, 30, 1],
        reminder_days_after=[10, 3],
        quick_renew_days=45,
    )

    stored = ExpirationSettings.load()
    assert stored.pk == settings_row.pk
    assert stored.reminder_days_before == [30, 7, 1]
    assert stored.reminder_days_after == [3, 10]
    assert stored.quick_renew_days == 45
    assert stored.reminder_offsets == [30, 7, 1, -3, -10]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"reminder_days_before": [30, -7]}, "reminder_days_before", "from 0 to 365"),
        ({"reminder_days_before": [7, 7]}, "reminder_days_before", "7 is repeated"),
        ({"reminder_days_after": [0]}, "reminder_days_after", "from 1 to 365"),
        ({"reminder_days_after": [400]}, "reminder_days_after", "not 400"),
        ({"quick_renew_days": -1}, "quick_renew_days", "from 0 to 365"),
    ],
)
def test_settings_bad_values_refused_nothing_saved(values, field, message):
    arguments = {
        "reminder_days_before": [30, 7, 1],
        "reminder_days_after": [3],
        "quick_renew_days": 30,
        **values,
    }

    with pytest.raises(ValidationError) as error:
        records.expiration_settings_save(**arguments)

    assert message in " ".join(error_fields(error)[field])
    stored = ExpirationSettings.load()
    assert stored.reminder_days_before == [30, 7, 1]
    assert stored.quick_renew_days == 30
