"""Demo ledger entries, added by ``manage.py seed_demo`` (see ``BalanceConfig.ready``).

About one demo customer in ten, and every demo customer with a login, gets a short
history: credits (by staff, gifts, automation, refunds), debits (by staff, paid at
checkout), now and then a staff debit into debt or a mistake deleted by a reversal.
Each history is a ledger the services could have written: ``balance_after`` is the
running sum in id order, which is also ``created_at`` order, and the customer's stored
balance is the last ``balance_after``, so ``manage.py verify_balances`` passes.

Rows are written in bulk, not through the services (a million customers would take an
hour): with ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere, a batch of customers per
transaction, with their rows locked. Ids come from the table's sequence in the order
the rows are written, oldest first; a reversal, always the last entry of a history,
is written in a second pass, once the id of the entry it reverses is known.

Running it again adds nothing to a customer who already has entries: only customers
with no entry, a zero balance and nothing held are picked.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone

from balance.models import Entry
from core.money import CENT
from customers.models import Customer

# One customer in ten: (id * HASH_MULTIPLIER + seed) mod 1000 below LEDGER_PER_MILLE.
LEDGER_PER_MILLE = 100
HASH_MULTIPLIER = 2_654_435_761
BATCH_CUSTOMERS = 10_000
HISTORY_SPAN = timedelta(days=2 * 365)
# Customers registered more recently get no history (the demo login always does).
MINIMUM_CUSTOMER_AGE = timedelta(days=30)
DEMO_KEY_PREFIX = "demo:"
STAFF_LABEL = "Demo Staff"

CREDITS: tuple[tuple[str, str, str, tuple[str, ...], int, int], ...] = (
    # kind, author kind, author label, notes, smallest and largest amount in cents
    (
        Entry.Kind.MANUAL_CREDIT,
        Entry.AuthorKind.STAFF,
        STAFF_LABEL,
        ("Referral bonus", "Goodwill gesture", "Late delivery", "Loyalty reward"),
        500,
        5_000,
    ),
    (
        Entry.Kind.GIFT,
        Entry.AuthorKind.SYSTEM,
        "Periodic gift",
        ("Monthly thank-you", "Happy birthday!"),
        500,
        1_000,
    ),
    (
        Entry.Kind.AUTOMATION,
        Entry.AuthorKind.SYSTEM,
        "Automation",
        ("Welcome credit", "Review reward"),
        200,
        1_500,
    ),
    (
        Entry.Kind.REFUND,
        Entry.AuthorKind.STAFF,
        STAFF_LABEL,
        ("Refund of a returned item", "Refund: damaged parcel"),
        990,
        12_000,
    ),
)
DEBITS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        Entry.Kind.CHECKOUT,
        Entry.AuthorKind.CUSTOMER,
        "",
        ("Paid with balance at checkout",),
    ),
    (
        Entry.Kind.MANUAL_DEBIT,
        Entry.AuthorKind.STAFF,
        STAFF_LABEL,
        ("Correction", "Used in store"),
    ),
)
ENTRY_COLUMNS = (
    "customer_id",
    "amount",
    "kind",
    "note",
    "author_kind",
    "author_label",
    "created_at",
    "balance_after",
    "source_type",
    "source_id",
    "idempotency_key",
    "reversal_of_id",
)


@dataclass
class DemoEntry:
    customer_id: int
    amount: Decimal
    kind: str
    note: str
    author_kind: str
    author_label: str
    created_at: datetime
    reverses: int | None = None  # index of the entry it reverses, in the history
    balance_after: Decimal = Decimal("0.00")


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randrange(low, high + 1)) / 100).quantize(CENT)


def demo_history(
    customer_id: int, since: datetime, now: datetime, seed: int, *, longer: bool = False
) -> list[DemoEntry]:
    """A customer's entries, oldest first, the same for the same customer and seed.

    2 to 16 entries (40 to 60 when ``longer``: the demo login's history has pages).
    Debits never take more than the balance, except a staff debit into debt for
    about one customer in forty (never the demo login); about one in fifteen ends
    with a staff reversal of an earlier credit.
    """
    rng = random.Random(f"{seed}:ledger:{customer_id}")
    start = max(since, now - HISTORY_SPAN)
    span = max((now - start).total_seconds(), 0.0)
    count = rng.randint(40, 60) if longer else rng.randint(2, 16)
    moments = sorted(
        start + timedelta(seconds=rng.random() * span) for _ in range(count)
    )
    history: list[DemoEntry] = []
    balance = Decimal("0.00")
    for index, moment in enumerate(moments):
        if index > 0 and balance >= 5 and rng.random() < 0.4:
            kind, author_kind, label, notes = rng.choice(DEBITS)
            amount = -_cents(rng, 100, int(min(balance, Decimal(200)) * 100))
        else:
            kind, author_kind, label, notes, low, high = rng.choice(CREDITS)
            amount = _cents(rng, low, high)
        history.append(
            DemoEntry(
                customer_id, amount, kind, rng.choice(notes), author_kind, label, moment
            )
        )
        balance += amount
    later = min(now, moments[-1] + timedelta(seconds=span / 200))
    # The demo login (``longer``) never ends in debt: it has a balance to spend.
    if rng.random() < 1 / 40 and not longer:
        amount = -(balance + _cents(rng, 100, 3_000))
        history.append(
            DemoEntry(
                customer_id,
                amount,
                Entry.Kind.MANUAL_DEBIT,
                "Unpaid invoice",
                Entry.AuthorKind.STAFF,
                STAFF_LABEL,
                later,
            )
        )
    elif rng.random() < 1 / 15:
        staff_credits = [
            index
            for index, entry in enumerate(history)
            if entry.kind == Entry.Kind.MANUAL_CREDIT
        ]
        if staff_credits:
            index = rng.choice(staff_credits)
            history.append(
                DemoEntry(
                    customer_id,
                    -history[index].amount,
                    Entry.Kind.REVERSAL,
                    "Entered twice",
                    Entry.AuthorKind.STAFF,
                    STAFF_LABEL,
                    later,
                    reverses=index,
                )
            )
    return history


def _balances_assign(histories: Sequence[list[DemoEntry]]) -> None:
    for history in histories:
        balance = Decimal("0.00")
        for entry in history:
            balance += entry.amount
            entry.balance_after = balance


def _key(index: int) -> str:
    return f"{DEMO_KEY_PREFIX}{index}"


def _row(entry: DemoEntry, index: int, reversal_of_id: int | None = None) -> tuple:
    return (
        entry.customer_id,
        entry.amount,
        entry.kind,
        entry.note,
        entry.author_kind,
        entry.author_label,
        entry.created_at,
        entry.balance_after,
        "",
        "",
        _key(index),
        reversal_of_id,
    )


def _rows_insert(rows: list[tuple]) -> None:
    """Inserts entries in the order given; the ids come from the table's sequence,
    so they ascend in that order."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Entry._meta.db_table)
        columns = ", ".join(ENTRY_COLUMNS)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        Entry.objects.bulk_create(
            [Entry(**dict(zip(ENTRY_COLUMNS, row, strict=True))) for row in rows],
            batch_size=2_000,
        )


def _entries_write(histories: Sequence[list[DemoEntry]]) -> int:
    """Writes the histories; a reversal, always a history's last entry, goes in
    afterwards, once the id of the entry it reverses is known."""
    _rows_insert(
        [
            _row(entry, index)
            for history in histories
            for index, entry in enumerate(history)
            if entry.reverses is None
        ]
    )
    reversals = [
        (history[-1], len(history) - 1)
        for history in histories
        if history[-1].reverses is not None
    ]
    if reversals:
        originals = Entry.objects.filter(
            customer_id__in=[entry.customer_id for entry, _index in reversals],
            idempotency_key__in={
                _key(cast(int, entry.reverses)) for entry, _index in reversals
            },
        ).values_list("customer_id", "idempotency_key", "id")
        reversed_ids = {(customer_id, key): pk for customer_id, key, pk in originals}
        _rows_insert(
            [
                _row(
                    entry,
                    index,
                    reversed_ids[(entry.customer_id, _key(cast(int, entry.reverses)))],
                )
                for entry, index in reversals
            ]
        )
    return sum(len(history) for history in histories)


def _balances_write(histories: Sequence[list[DemoEntry]]) -> None:
    balances = {
        history[0].customer_id: history[-1].balance_after for history in histories
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Customer._meta.db_table} AS c SET balance = v.balance "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, balance) "
                "WHERE c.id = v.id",
                [list(balances), list(balances.values())],
            )
    else:
        Customer.objects.bulk_update(
            [Customer(pk=pk, balance=balance) for pk, balance in balances.items()],
            ["balance"],
            batch_size=2_000,
        )


def _without_ledger(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.filter(balance=0, balance_held=0).exclude(
        Exists(Entry.objects.filter(customer_id=OuterRef("pk")))
    )


def _picked_ids(
    customers: QuerySet[Customer], seed: int, registered_before: datetime
) -> Iterator[list[int]]:
    """Batches of the ids to give a history: one in ten of the customers registered
    before ``registered_before`` (a month-old customer with dozens of operations in
    a few days would look odd), and those with a login."""
    picked = (
        _without_ledger(customers)
        .annotate(pick=Mod(F("pk") * HASH_MULTIPLIER + seed, 1000))
        .filter(
            Q(pick__lt=LEDGER_PER_MILLE, created_at__lt=registered_before)
            | Q(user__isnull=False)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    last = 0
    while batch := list(picked.filter(pk__gt=last)[:BATCH_CUSTOMERS]):
        yield batch
        last = batch[-1]


def demo_ledger_seed(
    customers: QuerySet[Customer], *, seed: int, log: Callable[[str], None]
) -> int:
    """Gives the picked demo customers a ledger history; returns the entries added."""
    started = time.monotonic()
    now = timezone.now()
    added_customers = added_entries = 0
    for batch in _picked_ids(customers, seed, now - MINIMUM_CUSTOMER_AGE):
        with transaction.atomic():
            # Locked, and checked again: a customer who got an entry meanwhile is left.
            locked = (
                _without_ledger(Customer.objects.filter(pk__in=batch))
                .select_for_update(no_key=True)
                .order_by("pk")
                .values_list("pk", "created_at", "user_id")
            )
            histories = [
                demo_history(pk, created_at, now, seed, longer=user_id is not None)
                for pk, created_at, user_id in locked
            ]
            if not histories:
                continue
            _balances_assign(histories)
            added_entries += _entries_write(histories)
            _balances_write(histories)
        added_customers += len(histories)
        log(
            f"Ledger: {added_entries:,} entries for {added_customers:,} customers "
            f"({time.monotonic() - started:.0f} s)"
        )
    log(f"Ledger: {added_entries:,} entries added for {added_customers:,} customers.")
    if added_entries and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Entry._meta.db_table}")
            cursor.execute(f"ANALYZE {Customer._meta.db_table}")
    return added_entries
