"""The ledger's vocabulary: who posts (``Author``), about what (``SourceRef``),
one posting (``Posting``), and ``top_level``, which makes a service run in its own
durable transaction or, with ``.in_transaction``, in the caller's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, ParamSpec, TypeVar

from django.db import transaction

from balance.models import Entry, SourceType

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
