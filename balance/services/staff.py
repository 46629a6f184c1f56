"""Staff actions on the ledger, with the e-mails they send to the customer.

The money moves through the ledger's services; this module only adds the
notifications (each once per event, keyed by the entry or the withdrawal id).
"""

from __future__ import annotations

from decimal import Decimal

from balance.models import BalanceSettings, Entry, Gift, Withdrawal
from balance.services.ledger import (
    Author,
    balance_credit,
    balance_debit,
    entry_reverse,
)
from balance.services.notifications import credit_received_notify, customer_notify
from balance.services.withdrawals import (
    withdrawal_approve,
    withdrawal_pay,
    withdrawal_reject,
)
from customers.models import Customer


def staff_operation_post(
    *, customer: Customer, credit: bool, amount: Decimal, note: str, user, nonce: str
) -> Entry:
    """A manual credit or debit by staff (who may go below zero).

    The same ``nonce`` again returns the first entry; a credit e-mails the customer.
    """
    post = balance_credit if credit else balance_debit
    entry = post(
        customer_id=customer.pk,
        amount=amount,
        author=Author.staff(user),
        idempotency_key=f"staff:{nonce}",
        note=note,
    )
    if credit:
        credit_received_notify(entry, customer)
    return entry


def staff_entry_reverse(*, entry: Entry, reason: str, user) -> Entry:
    return entry_reverse(entry_id=entry.pk, reason=reason, author=Author.staff(user))


def _withdrawal_context(withdrawal: Withdrawal) -> dict:
    return {
        "amount": withdrawal.amount,
        "reason": withdrawal.rejection_reason,
        "reference": withdrawal.payout_reference,
    }


def staff_withdrawal_approve(*, withdrawal: Withdrawal, user) -> Withdrawal:
    withdrawal = withdrawal_approve(withdrawal_id=withdrawal.pk, decided_by=user)
    customer_notify(
        withdrawal.customer,
        event_key=f"balance.withdrawal_approved:{withdrawal.pk}",
        template="balance_withdrawal_approved",
        context=_withdrawal_context(withdrawal),
    )
    return withdrawal


def staff_withdrawal_reject(*, withdrawal: Withdrawal, reason: str, user) -> Withdrawal:
    withdrawal = withdrawal_reject(
        withdrawal_id=withdrawal.pk, reason=reason, decided_by=user
    )
    customer_notify(
        withdrawal.customer,
        event_key=f"balance.withdrawal_rejected:{withdrawal.pk}",
        template="balance_withdrawal_rejected",
        context=_withdrawal_context(withdrawal),
    )
    return withdrawal


def staff_withdrawal_pay(
    *, withdrawal: Withdrawal, payout_reference: str, user
) -> Withdrawal:
    withdrawal = withdrawal_pay(
        withdrawal_id=withdrawal.pk,
        payout_reference=payout_reference,
        decided_by=user,
    )
    customer_notify(
        withdrawal.customer,
        event_key=f"balance.withdrawal_paid:{withdrawal.pk}",
        template="balance_withdrawal_paid",
        context=_withdrawal_context(withdrawal),
    )
    return withdrawal


def balance_settings_save(**values) -> BalanceSettings:
    """Stores the module's options (validated by the settings form)."""
    settings_row = BalanceSettings.load()
    for name, value in values.items():
        setattr(settings_row, name, value)
    settings_row.full_clean()
    settings_row.save()
    return settings_row


GIFT_FIELDS = (
    "description",
    "amount",
    "schedule",
    "day_of_month",
    "weekday",
    "month",
    "audience",
    "tag",
    "newsletter_list",
    "balance_min",
    "balance_max",
    "start_date",
)


def gift_save(*, gift: Gift | None = None, **values) -> Gift:
    """Creates a periodic gift or changes one (the runs already made stay)."""
    gift = gift or Gift()
    for name in GIFT_FIELDS:
        if name in values:
            setattr(gift, name, values[name])
    gift.full_clean()
    gift.save()
    return gift


def gift_set_active(*, gift: Gift, active: bool) -> Gift:
    gift.active = active
    gift.save(update_fields=["active"])
    return gift
