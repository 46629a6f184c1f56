"""The customer's side of withdrawals: asking from the customer area."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from balance.models import BalanceSettings, Withdrawal
from balance.selectors import withdrawal_recipients
from balance.services.payout import payout_snapshot
from balance.services.withdrawals import withdrawal_request
from core.money import money_format
from core.services import email_queue
from customers.models import Customer


@transaction.atomic(durable=True)
def withdrawal_request_from_account(
    *, customer: Customer, amount: Decimal, idempotency_key: str
) -> Withdrawal:
    """The customer asks to be paid ``amount``: held at once, staff told by e-mail
    (``balance.selectors.withdrawal_recipients``).

    Needs saved payout details (copied, encrypted, onto the request), the
    configured minimum and at most the available balance.
    """
    balance_settings = BalanceSettings.load()
    if not balance_settings.withdrawals_enabled:
        raise ValidationError(
            _("Withdrawal requests are not available."), code="disabled"
        )
    snapshot = payout_snapshot(customer)
    if not snapshot:
        raise ValidationError(
            _("Add your payout details before asking for a withdrawal."),
            code="no_payout_details",
        )
    withdrawal = withdrawal_request.in_transaction(
        customer_id=customer.pk,
        amount=amount,
        payout_details=snapshot,
        minimum=balance_settings.withdrawal_minimum,
        idempotency_key=idempotency_key,
    )
    with translation.override(settings.LANGUAGE_CODE):
        amount_text = money_format(withdrawal.amount)
    for address in withdrawal_recipients(balance_settings).addresses:
        email_queue(
            event_key=f"balance.withdrawal_requested:{withdrawal.pk}:{address}",
            to=address,
            template="balance_withdrawal_requested",
            context={
                "customer_name": str(customer),
                "customer_email": customer.email,
                "amount": amount_text,
                "withdrawal_id": withdrawal.pk,
            },
            language=settings.LANGUAGE_CODE,
        )
    return withdrawal
