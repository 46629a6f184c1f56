"""Posting to the ledger: the one place that inserts entries and moves balances.

Every change of a balance runs ``_postings_apply``: it locks the customers' rows
(``SELECT ... FOR NO KEY UPDATE``, in pk order), returns the entry already posted
under the same idempotency key if there is one, computes ``balance_after``, inserts
the entries and updates the customers' ``balance`` and ``balance_held``, all in the
caller's transaction.

The public services are :class:`TopLevelService` objects: calling one runs it in its
own durable transaction (views, commands, tasks); ``service.in_transaction(...)``
runs it inside the caller's transaction, for a module that must commit the money
together with its own rows (checkout with the order, a funnel step with its run).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic, ParamSpec, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from balance.events import entries_posted_publish
from balance.models import Entry, SourceType
from core.bulk_sql import values_update
from core.money import MAX_AMOUNT, amount_check, from_database, money_format
from customers.models import Customer

P = ParamSpec("P")
R = TypeVar("R")

# Which sign each kind of entry may have (kinds not listed may have either).
CREDIT_KINDS = frozenset(
    {
        Entry.Kind.MANUAL_CREDIT,
        Entry.Kind.GIFT,
        Entry.Kind.REFUND,
        Entry.Kind.REFERRAL,
    }
)
DEBIT_KINDS = frozenset(
    {Entry.Kind.MANUAL_DEBIT, Entry.Kind.CHECKOUT, Entry.Kind.WITHDRAWAL}
)
# Entries undone through their order, withdrawal or commission, never reversed by
# hand (``entry_reverse(owner=...)`` is how the owning module undoes its own).
OWNED_SOURCES = frozenset(
    {SourceType.ORDER, SourceType.WITHDRAWAL, SourceType.REFERRAL_COMMISSION}
)


class TopLevelService(Generic[P, R]):
    """A service that is its own transaction when called (``durable=True``).

    ``in_transaction`` is the same function joining the caller's transaction (in a
    savepoint, so a refusal can be caught and the transaction goes on): the caller
    then owns the commit, and holds the customer's lock until it commits. ``func``
    is the bare function, for this app's services, which already run in one.
    """

    def __init__(self, func: Callable[P, R]):
        functools.update_wrapper(self, func)
        self.func = func
        self._durable: Callable[P, R] = transaction.atomic(durable=True)(func)
        self.in_transaction: Callable[P, R] = transaction.atomic(func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._durable(*args, **kwargs)


def top_level(func: Callable[P, R]) -> TopLevelService[P, R]:
    return TopLevelService(func)


@dataclass(frozen=True)
class Author:
    """Who posts: a staff user, the customer, or a system job (by name).

    Only staff may take a balance below the available amount (into debt); the
    customer and system jobs cannot spend what is not available, unless a job is
    allowed a debt (``debt_allowed``: taking back a commission after a refund).
    """

    kind: str
    user: Any = None
    label: str = ""
    # A system job that takes back what it gave (a referral commission reversed
    # after a refund) may leave a debt, as staff may.
    debt_allowed: bool = False

    @classmethod
    def staff(cls, user=None, label: str = "") -> Author:
        return cls(Entry.AuthorKind.STAFF, user, label or _user_label(user))

    @classmethod
    def customer(cls, user=None) -> Author:
        return cls(Entry.AuthorKind.CUSTOMER, user, _user_label(user))

    @classmethod
    def system(cls, label: str, *, debt_allowed: bool = False) -> Author:
        return cls(Entry.AuthorKind.SYSTEM, None, label, debt_allowed)

    @property
    def may_overdraw(self) -> bool:
        return self.kind == Entry.AuthorKind.STAFF or self.debt_allowed


def _user_label(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.email)[:150]


@dataclass(frozen=True)
class SourceRef:
    """What a posting belongs to: ``SourceRef("order", 42)``."""

    type: str
    id: str | int

    @property
    def id_text(self) -> str:
        return str(self.id)


@dataclass(frozen=True)
class Posting:
    """One entry to insert; ``held_change`` also moves ``balance_held`` (holds)."""

    customer_id: int
    amount: Decimal
    kind: str
    author: Author
    idempotency_key: str
    note: str = ""
    source: SourceRef | None = None
    reversal_of_id: int | None = None
    held_change: Decimal = Decimal("0.00")


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


@top_level
def entry_post(
    *,
    customer_id: int,
    amount: Decimal,
    kind: str,
    author: Author,
    idempotency_key: str,
    note: str = "",
    source: SourceRef | None = None,
) -> Entry:
    """Posts one signed entry; the same key again returns the first entry unchanged.

    Raises ``ValidationError`` if the key was used for another amount or kind, if
    the sign does not suit the kind, or if an author other than staff would spend
    more than the available balance.
    """
    if kind == Entry.Kind.REVERSAL:
        raise ValidationError(
            _("Reverse an entry with entry_reverse."), code="reversal"
        )
    posting = Posting(
        customer_id=customer_id,
        amount=amount_check(amount),
        kind=kind,
        author=author,
        idempotency_key=idempotency_key,
        note=note,
        source=source,
    )
    ((entry, _created),) = _postings_apply([posting])
    return entry


@top_level
def balance_credit(
    *,
    customer_id: int,
    amount: Decimal,
    author: Author,
    idempotency_key: str,
    note: str = "",
    kind: str = Entry.Kind.MANUAL_CREDIT,
    source: SourceRef | None = None,
) -> Entry:
    """Adds ``amount`` (positive) to the customer's balance."""
    return entry_post.func(
        customer_id=customer_id,
        amount=_positive(amount),
        kind=kind,
        author=author,
        idempotency_key=idempotency_key,
        note=note,
        source=source,
    )


@dataclass(frozen=True)
class CreditRequest:
    """One credit of :func:`balance_credit_many`."""

    customer_id: int
    amount: Decimal
    idempotency_key: str
    note: str = ""
    source: SourceRef | None = None


@top_level
def balance_credit_many(
    *,
    credits: Sequence[CreditRequest],
    author: Author,
    kind: str = Entry.Kind.MANUAL_CREDIT,
) -> list[tuple[Entry, bool]]:
    """:func:`balance_credit` for many customers at once (a funnel step's batch):
    one lock of their rows, one insert of the entries, one update of the balances.

    At most one credit per customer. Each returns ``(entry, created)``: a key
    posted before returns its first entry and moves nothing. If one credit is
    refused (a key reused for another amount, a balance too large), the
    ``ValidationError`` is raised and nothing is posted.
    """
    if not credits:
        return []
    return _postings_apply(
        [
            Posting(
                customer_id=credit.customer_id,
                amount=_positive(credit.amount),
                kind=kind,
                author=author,
                idempotency_key=credit.idempotency_key,
                note=credit.note,
                source=credit.source,
            )
            for credit in credits
        ]
    )


@top_level
def balance_debit(
    *,
    customer_id: int,
    amount: Decimal,
    author: Author,
    idempotency_key: str,
    note: str = "",
    kind: str = Entry.Kind.MANUAL_DEBIT,
    source: SourceRef | None = None,
) -> Entry:
    """Takes ``amount`` (positive) from the balance.

    Staff may go below zero (a debt); the customer or a system job may not take
    more than the available balance (balance minus holds).
    """
    return entry_post.func(
        customer_id=customer_id,
        amount=-_positive(amount),
        kind=kind,
        author=author,
        idempotency_key=idempotency_key,
        note=note,
        source=source,
    )


@top_level
def balance_set(
    *,
    customer_id: int,
    target: Decimal,
    author: Author,
    idempotency_key: str,
    note: str = "",
    source: SourceRef | None = None,
) -> Entry | None:
    """Brings the balance to ``target`` by posting the difference as an adjustment.

    Nothing is posted (``None``) when the balance already is ``target``. The same key
    again returns the first adjustment, even if the balance has moved since.
    """
    target = amount_check(target)
    (customer,) = customers_lock([customer_id]).values()
    already = Entry.objects.filter(
        customer_id=customer_id, idempotency_key=idempotency_key
    ).first()
    if already is not None:
        if already.kind != Entry.Kind.ADJUSTMENT:
            raise ValidationError(
                _("The key “%(key)s” was already used for a different operation.")
                % {"key": idempotency_key},
                code="key_reused",
            )
        return already
    difference = target - customer.balance
    if difference == 0:
        return None
    return entry_post.func(
        customer_id=customer_id,
        amount=difference,
        kind=Entry.Kind.ADJUSTMENT,
        author=author,
        idempotency_key=idempotency_key,
        note=note,
        source=source,
    )


@top_level
def entry_reverse(
    *, entry_id: int, reason: str, author: Author, owner: str = ""
) -> Entry:
    """Cancels an entry by posting its opposite, linked one-to-one to it.

    An entry is reversed at most once; a reversal is not reversed (post a new
    operation instead); an entry of an order, a withdrawal or a referral commission
    is undone through it: only the module naming its source as ``owner`` may.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Say why the operation is deleted."), code="reason_required"
        )
    entry = Entry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise ValidationError(_("This operation does not exist."), code="no_entry")
    if entry.kind == Entry.Kind.REVERSAL:
        raise ValidationError(
            _("A reversal cannot be deleted: post a new operation instead."),
            code="reversal_of_reversal",
        )
    if entry.source_type in OWNED_SOURCES and entry.source_type != owner:
        raise ValidationError(
            _(
                "This operation belongs to %(source)s #%(id)s: undo it through the "
                "%(source)s, not here."
            )
            % {
                "source": entry.get_source_type_display().lower(),
                "id": entry.source_id,
            },
            code="owned_by_source",
        )
    customers_lock([entry.customer_id])
    if Entry.objects.filter(reversal_of_id=entry.pk).exists():
        raise ValidationError(
            _("This operation was already deleted."), code="already_reversed"
        )
    ((reversal, _created),) = _postings_apply(
        [
            Posting(
                customer_id=entry.customer_id,
                amount=-entry.amount,
                kind=Entry.Kind.REVERSAL,
                author=author,
                idempotency_key=f"reversal:{entry.pk}",
                note=reason,
                reversal_of_id=entry.pk,
            )
        ]
    )
    return reversal
