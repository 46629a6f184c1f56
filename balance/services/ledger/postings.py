"""How a posting is applied: the customers' rows locked in pk order, the entry
already posted under the idempotency key returned, ``balance_after`` computed, the
entries inserted and the balances updated, all in the caller's transaction
(``_postings_apply``; see the package's doc)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from balance.events import entries_posted_publish
from balance.models import Entry
from balance.services.ledger.types import (
    CREDIT_KINDS,
    DEBIT_KINDS,
    Posting,
)
from core.bulk_sql import values_update
from core.money import MAX_AMOUNT, amount_check, from_database, money_format
from customers.models import Customer


@dataclass
class LockedCustomer:
    """A customer's money figures, read under the row lock this transaction holds."""

    pk: int
    balance: Decimal
    balance_held: Decimal

    @property
    def available(self) -> Decimal:
        return self.balance - self.balance_held


def customers_lock(customer_ids: Sequence[int]) -> dict[int, LockedCustomer]:
    """Locks the customers' rows in pk order; the figures read are the latest.

    ``SELECT ... FOR NO KEY UPDATE``, what ``select_for_update(no_key=True)`` sends:
    posting to a customer waits for any other posting to the same customer, while
    rows that merely point at the customer can still be added. Written in SQL because
    this statement runs for every posting, and compiling it through the ORM cost a
    fifth of a posting's time (see bench/README.md).
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("Customers are locked inside a transaction.")
    ids = sorted(set(customer_ids))
    lock = (
        connection.ops.for_update_sql(no_key=True)
        if connection.features.has_select_for_update
        else ""
    )
    sql = (
        f"SELECT id, balance, balance_held FROM {Customer._meta.db_table} "  # noqa: S608
        f"WHERE id IN ({', '.join(['%s'] * len(ids))}) ORDER BY id {lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        customers = {
            pk: LockedCustomer(pk, from_database(balance), from_database(held))
            for pk, balance, held in cursor.fetchall()
        }
    if len(customers) != len(ids):
        raise ValidationError(_("This customer does not exist."), code="no_customer")
    return customers


CUSTOMER_UPDATE_SQL = "UPDATE {table} SET balance = %s, balance_held = %s WHERE id = %s"


def customers_save(customers: Sequence[LockedCustomer]) -> None:
    """Writes the locked customers' new ``balance`` and ``balance_held``."""
    if len(customers) == 1:
        (customer,) = customers
        with connection.cursor() as cursor:
            cursor.execute(
                CUSTOMER_UPDATE_SQL.format(table=Customer._meta.db_table),
                [customer.balance, customer.balance_held, customer.pk],
            )
    elif customers:
        # One statement for all: cheaper than bulk_update's CASE WHEN, or than
        # one UPDATE per row, at a batch's hundreds of rows.
        values_update(
            Customer,
            ["balance", "balance_held"],
            [
                [customer.pk, customer.balance, customer.balance_held]
                for customer in customers
            ],
        )


def _posting_check(posting: Posting) -> None:
    amount = amount_check(posting.amount)
    if amount == 0:
        raise ValidationError(_("The amount cannot be zero."), code="zero_amount")
    if posting.kind in CREDIT_KINDS and amount < 0:
        raise ValidationError(
            _("A credit adds to the balance: the amount must be positive."), code="sign"
        )
    if posting.kind in DEBIT_KINDS and amount > 0:
        raise ValidationError(
            _("A debit takes from the balance: the amount must be negative."),
            code="sign",
        )
    if (posting.kind == Entry.Kind.REVERSAL) != (posting.reversal_of_id is not None):
        raise ValidationError(
            _("Only a reversal points at the entry it reverses."), code="reversal"
        )
    if not posting.idempotency_key:
        raise ValidationError(_("An idempotency key is required."), code="no_key")


def _replayed(existing: Entry, posting: Posting) -> Entry:
    """The entry posted earlier under the same key, if the request is the same."""
    if existing.amount != posting.amount or existing.kind != posting.kind:
        raise ValidationError(
            _(
                "The key “%(key)s” was already used for a different operation "
                "(%(amount)s, %(kind)s): use a new key for a new operation."
            )
            % {
                "key": posting.idempotency_key,
                "amount": money_format(existing.amount),
                "kind": existing.get_kind_display(),
            },
            code="key_reused",
        )
    return existing


# The columns the services fill; created_at is the database's clock (db_default).
ENTRY_COLUMNS = (
    "customer_id",
    "amount",
    "kind",
    "note",
    "author_user_id",
    "author_kind",
    "author_label",
    "balance_after",
    "source_type",
    "source_id",
    "idempotency_key",
    "reversal_of_id",
)


def _entries_insert(entries: Sequence[Entry]) -> None:
    """INSERTs ``entries`` in one statement, skipping any whose (customer, key) is
    already in the ledger; sets ``pk`` and ``created_at`` on those inserted.

    Raw SQL for the one reason the ORM has no equivalent: ``ON CONFLICT ... DO
    NOTHING RETURNING`` tells in the same round trip which entries went in. Under the
    customer's lock a conflict means the entry was posted before (a retry).
    """
    row = "(" + ", ".join(["%s"] * len(ENTRY_COLUMNS)) + ")"
    # Only constants and placeholders go into the text; values are parameters.
    sql = (
        f"INSERT INTO {Entry._meta.db_table} ({', '.join(ENTRY_COLUMNS)}) "  # noqa: S608
        f"VALUES {', '.join([row] * len(entries))} "
        "ON CONFLICT (customer_id, idempotency_key) DO NOTHING "
        "RETURNING customer_id, id, created_at"
    )
    params = [getattr(entry, column) for entry in entries for column in ENTRY_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {customer_id: (pk, at) for customer_id, pk, at in cursor.fetchall()}
    for entry in entries:
        if entry.customer_id in inserted:
            entry.pk, created_at = inserted[entry.customer_id]
            entry.created_at = _aware(created_at)
            entry._state.adding = False
            entry._state.db = connection.alias


def _aware(value: datetime | str) -> datetime:
    """A timestamp from RETURNING: PostgreSQL gives an aware datetime, SQLite a naive
    one (or its text) in UTC."""
    if isinstance(value, str):
        value = cast(datetime, parse_datetime(value))
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _entry_build(posting: Posting, balance_after: Decimal) -> Entry:
    return Entry(
        customer_id=posting.customer_id,
        amount=posting.amount,
        kind=posting.kind,
        note=posting.note,
        author_user_id=posting.author.user.pk if posting.author.user else None,
        author_kind=posting.author.kind,
        author_label=posting.author.label,
        balance_after=balance_after,
        source_type=posting.source.type if posting.source else "",
        source_id=posting.source.id_text if posting.source else "",
        idempotency_key=posting.idempotency_key,
        reversal_of_id=posting.reversal_of_id,
    )


def _earlier_entries(postings: Sequence[Posting]) -> dict[int, Entry]:
    """The entries already posted under the postings' keys, by customer."""
    if not postings:
        return {}
    keys = {(posting.customer_id, posting.idempotency_key) for posting in postings}
    return {
        entry.customer_id: entry
        for entry in Entry.objects.filter(
            customer_id__in={customer_id for customer_id, _key in keys},
            idempotency_key__in={key for _customer_id, key in keys},
        )
        if (entry.customer_id, entry.idempotency_key) in keys
    }


def _postings_apply(postings: Sequence[Posting]) -> list[tuple[Entry, bool]]:
    """Posts ``postings`` (at most one per customer): ``(entry, created)`` for each.

    Must run inside a transaction (the caller's). Locks the customers, computes each
    ``balance_after`` from the locked balance, inserts, and updates the customers
    whose entry went in. A posting whose (customer, key) was posted before returns
    that entry and changes nothing, even if it could not be posted today.
    """
    for posting in postings:
        _posting_check(posting)
    if len({posting.customer_id for posting in postings}) != len(postings):
        raise ValueError("At most one posting per customer in one call.")
    customers = customers_lock([posting.customer_id for posting in postings])
    new_entries: dict[int, Entry] = {}
    refusals: dict[int, ValidationError] = {}
    for posting in postings:
        customer = customers[posting.customer_id]
        balance = customer.balance + posting.amount
        available = balance - customer.balance_held - posting.held_change
        refusal = _refusal(posting, customer, available, balance)
        if refusal is None:
            new_entries[posting.customer_id] = _entry_build(posting, balance)
        else:
            refusals[posting.customer_id] = refusal
    # A refused posting is fine only as a retry of one that went in before.
    earlier = _earlier_entries([p for p in postings if p.customer_id in refusals])
    for customer_id, refusal in refusals.items():
        if customer_id not in earlier:
            raise refusal
    if new_entries:
        _entries_insert(list(new_entries.values()))
    changed = []
    for posting in postings:
        entry = new_entries.get(posting.customer_id)
        if entry is not None and entry.pk is not None:
            customer = customers[posting.customer_id]
            customer.balance = entry.balance_after
            customer.balance_held += posting.held_change
            changed.append(customer)
    customers_save(changed)
    entries_posted_publish(
        entry for entry in new_entries.values() if entry.pk is not None
    )
    skipped = [
        posting
        for posting in postings
        if posting.customer_id in new_entries
        and new_entries[posting.customer_id].pk is None
    ]
    earlier |= _earlier_entries(skipped)  # retries the insert skipped
    return [
        (new_entries[posting.customer_id], True)
        if posting.customer_id in new_entries
        and new_entries[posting.customer_id].pk is not None
        else (_replayed(earlier[posting.customer_id], posting), False)
        for posting in postings
    ]


def _refusal(
    posting: Posting, customer: LockedCustomer, available: Decimal, balance: Decimal
) -> ValidationError | None:
    """Why the posting cannot be applied to the customer's figures, if it cannot."""
    if (
        not posting.author.may_overdraw
        and available < 0
        and available < customer.available
    ):
        return ValidationError(
            _("Only %(available)s is available: %(amount)s cannot be taken.")
            % {
                "available": money_format(max(customer.available, Decimal(0))),
                "amount": money_format(-posting.amount),
            },
            code="insufficient",
        )
    if abs(balance) > MAX_AMOUNT:
        return ValidationError(
            _("The balance would be too large."), code="balance_too_large"
        )
    return None


def _positive(amount: Decimal) -> Decimal:
    amount = amount_check(amount)
    if amount <= 0:
        raise ValidationError(
            _("The amount must be greater than zero."), code="not_positive"
        )
    return amount
