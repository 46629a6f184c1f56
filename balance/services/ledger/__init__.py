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

from balance.services.ledger.postings import (
    LockedCustomer,
    _positive,
    _postings_apply,
    customers_lock,
    customers_save,
)
from balance.services.ledger.services import (
    CreditRequest,
    balance_credit,
    balance_credit_many,
    balance_debit,
    balance_set,
    entry_post,
    entry_reverse,
)
from balance.services.ledger.types import (
    Author,
    Posting,
    SourceRef,
    TopLevelService,
    top_level,
)

__all__ = [
    "Author",
    "CreditRequest",
    "LockedCustomer",
    "Posting",
    "SourceRef",
    "TopLevelService",
    "_positive",
    "_postings_apply",
    "balance_credit",
    "balance_credit_many",
    "balance_debit",
    "balance_set",
    "customers_lock",
    "customers_save",
    "entry_post",
    "entry_reverse",
    "top_level",
]
