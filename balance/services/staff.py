"""Staff actions on the ledger, with the e-mails they send to the customer.

The money moves through the ledger's services; this module only adds the
notifications (each once per event, keyed by the entry or the withdrawal id).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from balance.models import BalanceSettings, Entry, Gift, Hold, Withdrawal
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
from core.money import money_format
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


def held_money_warning(*, customer_id: int) -> str:
    """What staff must hear after a debit or a deletion that ate into held money:
    the pending withdrawals and orders the balance no longer covers ("" if none).

    Paying them is refused until the balance covers them again (see
    ``withdrawal_pay`` and the checkout's ``hold_post(require_funds=True)``).
    """
    customer = Customer.objects.only("balance", "balance_held").get(pk=customer_id)
    if customer.balance >= customer.balance_held:
        return ""
    holds = list(
        Hold.objects.filter(customer_id=customer_id, status=Hold.Status.ACTIVE)
        .only("kind", "amount", "source_id")
        .order_by("created_at", "id")
    )
    names = [
        _("withdrawal #%(id)s of %(amount)s")
        % {"id": hold.source_id, "amount": money_format(hold.amount)}
        if hold.kind == Hold.Kind.WITHDRAWAL
        else _("an order's balance discount of %(amount)s")
        % {"amount": money_format(hold.amount)}
        for hold in holds
    ]
    return ngettext(
        "The balance (%(balance)s) no longer covers the %(held)s set aside for "
        "%(holds)s: it can no longer be paid unless the customer is credited "
        "%(missing)s more.",
        "The balance (%(balance)s) no longer covers the %(held)s set aside for "
        "%(holds)s: they can no longer all be paid unless the customer is "
        "credited %(missing)s more.",
        len(holds),
    ) % {
        "balance": money_format(customer.balance),
        "held": money_format(customer.balance_held),
        "holds": ", ".join(names),
        "missing": money_format(customer.balance_held - customer.balance),
    }


def staff_entry_reverse(*, entry: Entry, reason: str, user) -> Entry:
    return entry_reverse(entry_id=entry.pk, reason=reason, author=Author.staff(user))


def _withdrawal_context(withdrawal: Withdrawal) -> dict:
    return {
        "amount": withdrawal.amount,
        "reason": withdrawal.rejection_reason,
        "reference": withdrawal.payout_reference,
    }


def staff_withdrawal_approve(
    *, withdrawal: Withdrawal, user, payout_change_checked: bool = False
) -> Withdrawal:
    withdrawal = withdrawal_approve(
        withdrawal_id=withdrawal.pk,
        decided_by=user,
        payout_change_checked=payout_change_checked,
    )
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
