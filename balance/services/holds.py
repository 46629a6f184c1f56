"""Holds: money set aside from the available balance, later posted or released.

Locks are always taken customer first, then the hold, as everywhere in the ledger.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from balance.models import Entry, Hold
from balance.services.ledger import (
    Author,
    LockedCustomer,
    Posting,
    SourceRef,
    _positive,
    _postings_apply,
    customers_lock,
    customers_save,
    top_level,
)
from core.money import money_format


@top_level
def hold_place(
    *,
    customer_id: int,
    amount: Decimal,
    kind: str,
    idempotency_key: str,
    source: SourceRef | None = None,
) -> Hold:
    """Sets ``amount`` aside; refused when more than the available balance.

    The same key again returns the first hold (an error if its amount or kind
    differ).
    """
    amount = _positive(amount)
    if not idempotency_key:
        raise ValidationError(_("An idempotency key is required."), code="no_key")
    (customer,) = customers_lock([customer_id]).values()
    hold = Hold.objects.filter(
        customer_id=customer_id, idempotency_key=idempotency_key
    ).first()
    if hold is not None:
        if hold.amount != amount or hold.kind != kind:
            raise ValidationError(
                _("The key “%(key)s” was already used for a different hold.")
                % {"key": idempotency_key},
                code="key_reused",
            )
        return hold
    available = customer.available
    if amount > available:
        raise ValidationError(
            _("Only %(available)s is available: %(amount)s cannot be set aside.")
            % {
                "available": money_format(max(available, Decimal(0))),
                "amount": money_format(amount),
            },
            code="insufficient",
        )
    hold = Hold.objects.create(
        customer_id=customer_id,
        amount=amount,
        kind=kind,
        idempotency_key=idempotency_key,
        source_type=source.type if source else "",
        source_id=source.id_text if source else "",
    )
    customer.balance_held += amount
    customers_save([customer])
    return hold


def _hold_locked(hold_id: int) -> tuple[Hold, LockedCustomer]:
    """The hold and its customer, locked customer first (the ledger's lock order)."""
    customer_id = (
        Hold.objects.filter(pk=hold_id).values_list("customer_id", flat=True).first()
    )
    if customer_id is None:
        raise ValidationError(_("This hold does not exist."), code="no_hold")
    (customer,) = customers_lock([customer_id]).values()
    return Hold.objects.select_for_update().get(pk=hold_id), customer


@top_level
def hold_post(
    *, hold_id: int, author: Author, note: str = "", require_funds: bool = False
) -> Entry:
    """Turns the hold into a debit entry of its amount and frees the held amount.

    Posting a hold twice returns the same entry; a released hold cannot be posted.
    With ``require_funds``, posting is refused (code "insufficient") when the
    balance no longer covers the hold, e.g. staff debited the customer meanwhile:
    checkout checks the discount again at payment time this way.
    """
    hold, customer = _hold_locked(hold_id)
    if hold.status == Hold.Status.POSTED:
        return cast(Entry, hold.entry)  # a posted hold has its entry
    if hold.status == Hold.Status.RELEASED:
        raise ValidationError(
            _("This hold was released: there is nothing left to post."),
            code="hold_released",
        )
    if require_funds and customer.balance < hold.amount:
        raise ValidationError(
            _(
                "The balance (%(balance)s) no longer covers %(amount)s: "
                "%(missing)s is missing."
            )
            % {
                "balance": money_format(customer.balance),
                "amount": money_format(hold.amount),
                "missing": money_format(hold.amount - customer.balance),
            },
            code="insufficient",
        )
    ((entry, _created),) = _postings_apply(
        [
            Posting(
                customer_id=hold.customer_id,
                amount=-hold.amount,
                kind=hold.kind,
                author=author,
                idempotency_key=f"hold:{hold.pk}",
                note=note,
                source=SourceRef(hold.source_type, hold.source_id)
                if hold.source_type
                else None,
                held_change=-hold.amount,
            )
        ]
    )
    hold.status = Hold.Status.POSTED
    hold.entry = entry
    hold.closed_at = timezone.now()
    hold.save(update_fields=["status", "entry", "closed_at"])
    return entry


@top_level
def hold_release(*, hold_id: int) -> Hold:
    """Gives the held amount back to the available balance; twice is once.

    A posted hold cannot be released: undo its entry through its order or withdrawal.
    """
    hold, customer = _hold_locked(hold_id)
    if hold.status == Hold.Status.RELEASED:
        return hold
    if hold.status == Hold.Status.POSTED:
        raise ValidationError(
            _("This hold was already paid out and cannot be released."),
            code="hold_posted",
        )
    customer.balance_held -= hold.amount
    customers_save([customer])
    hold.status = Hold.Status.RELEASED
    hold.closed_at = timezone.now()
    hold.save(update_fields=["status", "closed_at"])
    return hold
