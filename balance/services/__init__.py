"""The ledger's services: every write that moves money.

Calling a service runs it in its own durable transaction; ``service.in_transaction``
joins the caller's (see ``balance.services.ledger``). ``gift_run_due`` commits batch
by batch and is only ever called on its own.
"""

from balance.services.gifts import gift_run_due
from balance.services.holds import hold_place, hold_post, hold_release
from balance.services.ledger import (
    Author,
    CreditRequest,
    SourceRef,
    balance_credit,
    balance_credit_many,
    balance_debit,
    balance_set,
    entry_post,
    entry_reverse,
)
from balance.services.withdrawals import (
    withdrawal_approve,
    withdrawal_cancel,
    withdrawal_pay,
    withdrawal_reject,
    withdrawal_request,
)

__all__ = [
    "Author",
    "CreditRequest",
    "SourceRef",
    "balance_credit",
    "balance_credit_many",
    "balance_debit",
    "balance_set",
    "entry_post",
    "entry_reverse",
    "gift_run_due",
    "hold_place",
    "hold_post",
    "hold_release",
    "withdrawal_approve",
    "withdrawal_cancel",
    "withdrawal_pay",
    "withdrawal_reject",
    "withdrawal_request",
]
