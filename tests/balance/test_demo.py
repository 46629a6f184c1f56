"""The demo ledger that seed_demo adds: consistent, and added once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from balance import demo
from balance.models import Entry
from balance.verification import balance_mismatches
from customers.models import Customer
from tests.balance.support import assert_ledger_consistent, credit
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db


def run_seeder(seed: int = 2026) -> tuple[int, list[str]]:
    lines: list[str] = []
    added = demo.demo_ledger_seed(
        Customer.objects.filter(source="demo"), seed=seed, log=lines.append
    )
    return added, lines


def test_seed_demo_gives_some_customers_a_ledger_that_verify_balances_accepts():
    output = StringIO()
    call_command("seed_demo", customers=300, stdout=output)

    with_entries = Customer.objects.filter(ledger_entries__isnull=False).distinct()
    assert 15 <= with_entries.count() <= 50  # about one in ten, and the login
    login_customer = Customer.objects.get(email="customer@example.com")
    # 40 to 61 from the ledger's demo (its debits include checkout payments), plus
    # the entries of the shop's demo orders, keyed by their order.
    ledger = Entry.objects.filter(customer=login_customer)
    assert 40 <= ledger.exclude(idempotency_key__startswith="order:").count() <= 61
    assert "Ledger:" in output.getvalue()
    assert balance_mismatches() == []
    verified = StringIO()
    call_command("verify_balances", stdout=verified)
    assert verified.getvalue().startswith("OK")

    again = StringIO()
    entries = Entry.objects.count()
    call_command("seed_demo", customers=300, stdout=again)

    assert Entry.objects.count() == entries
    assert "Ledger: 0 entries added for 0 customers." in again.getvalue()


def test_every_picked_customer_gets_a_consistent_history(monkeypatch):
    monkeypatch.setattr(demo, "LEDGER_PER_MILLE", 1000)  # everyone
    customers = CustomerFactory.create_batch(120, source="demo")
    registered = timezone.now() - timedelta(days=400)
    Customer.objects.filter(source="demo").update(created_at=registered)
    for customer in customers:
        customer.created_at = registered

    added, lines = run_seeder()

    assert added == Entry.objects.count() > 120 * 2 - 1
    assert lines[-1] == f"Ledger: {added:,} entries added for 120 customers."
    for customer in customers:
        assert_ledger_consistent(customer)
    kinds = set(Entry.objects.values_list("kind", flat=True))
    assert {Entry.Kind.MANUAL_CREDIT, Entry.Kind.CHECKOUT, Entry.Kind.GIFT} <= kinds
    assert Customer.objects.filter(balance__lt=0).exists()  # some debts
    reversals = Entry.objects.filter(kind=Entry.Kind.REVERSAL).select_related(
        "reversal_of"
    )
    assert reversals.exists()
    for reversal in reversals:
        assert reversal.amount == -reversal.reversal_of.amount
        assert reversal.reversal_of.kind == Entry.Kind.MANUAL_CREDIT
        assert reversal.customer_id == reversal.reversal_of.customer_id
    # Entries are in the same order by time as by id, for every customer.
    for customer in customers:
        ids = list(
            Entry.objects.filter(customer=customer)
            .order_by("created_at", "id")
            .values_list("id", flat=True)
        )
        assert ids == sorted(ids)
    assert not Entry.objects.filter(created_at__gt=timezone.now()).exists()


def test_customers_with_entries_or_a_balance_are_left_alone(monkeypatch):
    monkeypatch.setattr(demo, "LEDGER_PER_MILLE", 1000)
    has_entry = CustomerFactory(source="demo")
    credit(has_entry, "12.00")
    has_balance = CustomerFactory(source="demo", balance=Decimal("3.00"))
    not_demo = CustomerFactory(source="shop")
    picked = CustomerWithLoginFactory(source="demo")

    run_seeder()

    assert Entry.objects.filter(customer=has_entry).count() == 1
    assert not Entry.objects.filter(customer__in=[has_balance, not_demo]).exists()
    assert Entry.objects.filter(customer=picked).count() >= 40
    assert_ledger_consistent(picked)


def test_demo_history_depends_only_on_customer_and_seed():
    now = timezone.now()
    since = now - timedelta(days=900)

    first = demo.demo_history(7, since, now, 2026)

    assert first == demo.demo_history(7, since, now, 2026)
    assert first != demo.demo_history(7, since, now, 2027)
    assert first[0].amount > 0
    assert all(since <= entry.created_at <= now for entry in first)
    moments = [entry.created_at for entry in first]
    assert moments == sorted(moments)


def test_demo_history_of_a_new_customer_stays_after_registration():
    now = timezone.now()
    since = now - timedelta(minutes=5)

    for customer_id in range(1, 60):
        history = demo.demo_history(customer_id, since, now, 1)
        assert all(since <= entry.created_at <= now for entry in history)


def test_customers_registered_this_month_get_no_history(monkeypatch):
    monkeypatch.setattr(demo, "LEDGER_PER_MILLE", 1000)  # everyone old enough
    recent = CustomerFactory(source="demo")
    older = CustomerFactory(source="demo")
    Customer.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(days=45)
    )

    run_seeder()

    assert not Entry.objects.filter(customer=recent).exists()
    assert Entry.objects.filter(customer=older).exists()
