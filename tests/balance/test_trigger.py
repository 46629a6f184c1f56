"""PostgreSQL refuses to change or delete ledger entries, whoever asks."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from balance.models import Entry
from customers.models import Customer
from tests.balance.support import credit, figures
from tests.customers.factories import CustomerFactory

APPEND_ONLY = "balance_entry is append-only"


@pytest.fixture
def entry(db):
    return credit(CustomerFactory(), "10.00")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE balance_entry SET amount = 99 WHERE id = %s",
        "UPDATE balance_entry SET note = 'edited' WHERE id = %s",
        "DELETE FROM balance_entry WHERE id = %s",
    ],
)
def test_raw_sql_update_or_delete_of_an_entry_fails(entry, sql):
    with (
        pytest.raises(IntegrityError, match=APPEND_ONLY),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.amount, stored.note) == (Decimal("10.00"), "")


def test_the_orm_cannot_change_or_delete_an_entry_either(entry):
    entry.note = "edited"
    with pytest.raises(IntegrityError, match="UPDATE of entry"), transaction.atomic():
        entry.save()
    with pytest.raises(IntegrityError, match="DELETE of entry"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).delete()
    assert Entry.objects.filter(pk=entry.pk, note="").exists()


def test_an_update_that_matches_no_entry_is_not_an_error(entry):
    assert Entry.objects.filter(pk=entry.pk + 1000).update(note="x") == 0


def test_a_customer_with_entries_cannot_be_deleted(entry):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Customer.objects.get(pk=entry.customer_id).delete()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_flush_the_ledger_between_tests_one():
    """Posts in a real transaction: the flush after this test (TRUNCATE) must work."""
    customer = CustomerFactory()
    credit(customer, "5.00")
    assert figures(customer) == (Decimal("5.00"), Decimal("0.00"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'balance_entry'::regclass "
            "AND NOT tgisinternal"
        )
        assert cursor.fetchall() == [("balance_entry_append_only",)]


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_flush_the_ledger_between_tests_two():
    """Runs after the one above: it finds the ledger empty and can post again."""
    assert not Entry.objects.exists()
    credit(CustomerFactory(), "5.00")
    assert Entry.objects.count() == 1
