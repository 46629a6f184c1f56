"""Helpers for the ledger tests: post through the services, check the invariants."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db.models import Sum

from balance.models import Entry, Hold
from balance.services import Author, balance_credit
from customers.models import Customer

STAFF = Author.staff(label="tests")
SYSTEM = Author.system("tests")


def key() -> str:
    return f"test:{uuid.uuid4()}"


def credit(customer: Customer, amount: str, **kwargs) -> Entry:
    return balance_credit(
        customer_id=customer.pk,
        amount=Decimal(amount),
        author=kwargs.pop("author", STAFF),
        idempotency_key=kwargs.pop("idempotency_key", None) or key(),
        **kwargs,
    )


def figures(customer: Customer) -> tuple[Decimal, Decimal]:
    """The stored (balance, balance_held), read again from the database."""
    row = Customer.objects.values_list("balance", "balance_held").get(pk=customer.pk)
    return row[0], row[1]


def assert_ledger_consistent(customer: Customer) -> None:
    """Stored balance == SUM(entries); every balance_after is the running sum in
    (created_at, id) order; balance_held == SUM(active holds)."""
    balance, held = figures(customer)
    entries = list(
        Entry.objects.filter(customer=customer)
        .order_by("created_at", "id")
        .values_list("amount", "balance_after")
    )
    running = Decimal("0.00")
    for amount, balance_after in entries:
        running += amount
        assert balance_after == running
    assert balance == running
    active = Hold.objects.filter(customer=customer, status=Hold.Status.ACTIVE)
    assert held == (active.aggregate(total=Sum("amount"))["total"] or Decimal("0.00"))
