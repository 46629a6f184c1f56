"""Withdrawals: a customer asks to be paid; staff approve or reject, then pay.

pending → approved → paid, or pending/approved → rejected, or pending → cancelled
(by the customer). The amount is held from the request on; rejecting or cancelling
releases it, paying posts it. Repeating a step that is already done returns the
withdrawal unchanged; a step that no longer applies is a ``ValidationError``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from balance.events import withdrawal_paid_publish, withdrawal_requested_publish
from balance.models import Hold, SourceType, Withdrawal
from balance.services.holds import hold_place, hold_post, hold_release
from balance.services.ledger import (
    Author,
    SourceRef,
    _positive,
    customers_lock,
    top_level,
)
from balance.services.payout import payout_change_describe, payout_change_recent
from core.automation_events import automation_event_send
from core.money import amount_check, money_format


def _withdrawal_locked(
    withdrawal_id: int, customer_id: int | None = None
) -> Withdrawal:
    """The withdrawal, locked after its customer; ``customer_id`` must own it."""
    owner_id = (
        Withdrawal.objects.filter(pk=withdrawal_id)
        .values_list("customer_id", flat=True)
        .first()
    )
    if owner_id is None or (customer_id is not None and owner_id != customer_id):
        raise ValidationError(
            _("This withdrawal request does not exist."), code="no_withdrawal"
        )
    customers_lock([owner_id])
    return Withdrawal.objects.select_for_update().get(pk=withdrawal_id)


def _hours_text(delta: timedelta) -> str:
    hours = max(0, int(delta.total_seconds() // 3600))
    if hours == 0:
        return _("less than an hour")
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def _refuse(withdrawal: Withdrawal, message: str) -> ValidationError:
    """``message`` says which status the step needs; ``%(status)s`` is the current."""
    return ValidationError(
        message % {"status": withdrawal.get_status_display().lower()},
        code="wrong_status",
    )


@top_level
def withdrawal_request(
    *,
    customer_id: int,
    amount: Decimal,
    payout_details: dict,
    minimum: Decimal = Decimal("0.00"),
    idempotency_key: str = "",
) -> Withdrawal:
    """Records the customer's request and holds the amount at once.

    ``amount`` must be at least ``minimum`` and at most the available balance, also
    when two requests arrive together (the customer's row is locked). A non-empty
    ``idempotency_key`` makes a repeated request return the first one. A request
    made soon after a change of the payout details is flagged with that change
    (``payout_change``): approving it then needs a confirmation.
    """
    amount = _positive(amount)
    minimum = amount_check(minimum)
    if amount < minimum:
        raise ValidationError(
            _("The minimum withdrawal is %(minimum)s.")
            % {"minimum": money_format(minimum)},
            code="below_minimum",
        )
    customers_lock([customer_id])
    if idempotency_key:
        earlier = Withdrawal.objects.filter(
            customer_id=customer_id, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            return earlier
    withdrawal = Withdrawal.objects.create(
        customer_id=customer_id,
        amount=amount,
        payout_details=payout_details,
        idempotency_key=idempotency_key,
        payout_change=payout_change_recent(customer_id),
    )
    withdrawal.hold = hold_place.func(
        customer_id=customer_id,
        amount=amount,
        kind=Hold.Kind.WITHDRAWAL,
        idempotency_key=f"withdrawal:{withdrawal.pk}",
        source=SourceRef(SourceType.WITHDRAWAL, withdrawal.pk),
    )
    withdrawal.save(update_fields=["hold"])
    automation_event_send(
        "withdrawal.requested",
        customer_id=customer_id,
        entry_key=f"withdrawal:{withdrawal.pk}",
        payload={"withdrawal_id": withdrawal.pk, "amount": str(withdrawal.amount)},
    )
    withdrawal_requested_publish(withdrawal)
    return withdrawal


@top_level
def withdrawal_approve(
    *, withdrawal_id: int, decided_by, payout_change_checked: bool = False
) -> Withdrawal:
    """Staff accept a pending request (the money stays held until it is paid).

    A request flagged with a recent payout details change is refused (code
    "payout_change_unchecked", the message names the change) unless
    ``payout_change_checked``: staff confirm they checked the change with the
    customer, e.g. a call to the number on file.
    """
    withdrawal = _withdrawal_locked(withdrawal_id)
    if withdrawal.status == Withdrawal.Status.APPROVED:
        return withdrawal
    if withdrawal.status != Withdrawal.Status.PENDING:
        raise _refuse(
            withdrawal,
            _("Only a pending request can be approved: this one is %(status)s."),
        )
    if withdrawal.payout_change is not None and not payout_change_checked:
        raise ValidationError(
            _(
                "%(change)s This request came %(hours)s after it: confirm that "
                "you checked the change with the customer before approving."
            )
            % {
                "change": payout_change_describe(withdrawal.payout_change),
                "hours": _hours_text(
                    withdrawal.created_at - withdrawal.payout_change.created_at
                ),
            },
            code="payout_change_unchecked",
        )
    withdrawal.status = Withdrawal.Status.APPROVED
    withdrawal.decided_at = timezone.now()
    withdrawal.decided_by = decided_by
    withdrawal.save(update_fields=["status", "decided_at", "decided_by"])
    return withdrawal


@top_level
def withdrawal_reject(*, withdrawal_id: int, reason: str, decided_by) -> Withdrawal:
    """Staff refuse a pending or approved request; the held amount is released.

    ``reason`` is shown to the customer.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Give the customer a reason for the rejection."),
            code="reason_required",
        )
    withdrawal = _withdrawal_locked(withdrawal_id)
    if withdrawal.status == Withdrawal.Status.REJECTED:
        return withdrawal
    if withdrawal.status not in (
        Withdrawal.Status.PENDING,
        Withdrawal.Status.APPROVED,
    ):
        raise _refuse(
            withdrawal,
            _(
                "Only a pending or approved request can be rejected: "
                "this one is %(status)s."
            ),
        )
    hold_release.func(hold_id=cast(int, withdrawal.hold_id))
    withdrawal.status = Withdrawal.Status.REJECTED
    withdrawal.rejection_reason = reason
    withdrawal.decided_at = timezone.now()
    withdrawal.decided_by = decided_by
    withdrawal.save(
        update_fields=["status", "rejection_reason", "decided_at", "decided_by"]
    )
    return withdrawal


@top_level
def withdrawal_cancel(*, withdrawal_id: int, customer_id: int) -> Withdrawal:
    """The customer withdraws their own pending request; the amount is released."""
    withdrawal = _withdrawal_locked(withdrawal_id, customer_id=customer_id)
    if withdrawal.status == Withdrawal.Status.CANCELLED:
        return withdrawal
    if withdrawal.status != Withdrawal.Status.PENDING:
        raise _refuse(
            withdrawal,
            _("Only a pending request can be cancelled: this one is %(status)s."),
        )
    hold_release.func(hold_id=cast(int, withdrawal.hold_id))
    withdrawal.status = Withdrawal.Status.CANCELLED
    withdrawal.cancelled_at = timezone.now()
    withdrawal.save(update_fields=["status", "cancelled_at"])
    return withdrawal


@top_level
def withdrawal_pay(
    *, withdrawal_id: int, payout_reference: str, decided_by
) -> Withdrawal:
    """Staff record the payout of an approved request: the hold becomes a debit.

    Refused (code "insufficient") when the balance no longer covers the amount,
    e.g. staff debited the customer after the request: paying never takes the
    balance below zero, as the checkout does not either.
    """
    payout_reference = (payout_reference or "").strip()
    if not payout_reference:
        raise ValidationError(
            _("Enter the payout reference (bank transfer or PayPal transaction)."),
            code="reference_required",
        )
    withdrawal = _withdrawal_locked(withdrawal_id)
    if withdrawal.status == Withdrawal.Status.PAID:
        return withdrawal
    if withdrawal.status != Withdrawal.Status.APPROVED:
        raise _refuse(
            withdrawal,
            _(
                "Only an approved request can be marked as paid: "
                "this one is %(status)s."
            ),
        )
    (customer,) = customers_lock([withdrawal.customer_id]).values()
    if customer.balance < withdrawal.amount:
        raise ValidationError(
            _(
                "The balance (%(balance)s) no longer covers this withdrawal of "
                "%(amount)s: %(missing)s is missing. Nothing was paid: credit the "
                "customer the missing amount or reject the request."
            )
            % {
                "balance": money_format(customer.balance),
                "amount": money_format(withdrawal.amount),
                "missing": money_format(withdrawal.amount - customer.balance),
            },
            code="insufficient",
        )
    hold_post.func(
        hold_id=cast(int, withdrawal.hold_id),
        author=Author.staff(decided_by),
        note=_("Withdrawal #%(id)s") % {"id": withdrawal.pk},
        require_funds=True,
    )
    withdrawal.status = Withdrawal.Status.PAID
    withdrawal.payout_reference = payout_reference
    withdrawal.paid_at = timezone.now()
    withdrawal.save(update_fields=["status", "payout_reference", "paid_at"])
    withdrawal_paid_publish(withdrawal)
    return withdrawal
