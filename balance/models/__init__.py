"""The money ledger: entries, holds, withdrawals and periodic gifts.

The customer's ``balance`` and ``balance_held`` live on the customer row
(``customers.Customer``); only ``balance.services`` writes them, in the transaction
that inserts the entry or changes the hold, under a lock of that row.
"""

from balance.models.gifts import Gift, GiftRun
from balance.models.ledger import Entry, Hold, SourceType
from balance.models.settings import BalanceSettings, validate_localized_texts
from balance.models.withdrawals import (
    PayoutDetails,
    PayoutDetailsAccess,
    PayoutDetailsChange,
    Withdrawal,
)

__all__ = [
    "BalanceSettings",
    "Entry",
    "Gift",
    "GiftRun",
    "Hold",
    "PayoutDetails",
    "PayoutDetailsAccess",
    "PayoutDetailsChange",
    "SourceType",
    "Withdrawal",
    "validate_localized_texts",
]
