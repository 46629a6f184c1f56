"""The ledger's public services: post, credit (one or many), debit, set a
balance, reverse an entry. Each is a ``TopLevelService`` (see ``types``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from balance.models import Entry
from balance.services.ledger.postings import (
    _positive,
    _postings_apply,
    customers_lock,
)
from balance.services.ledger.types import (
    OWNED_SOURCES,
    Author,
    Posting,
    SourceRef,
    top_level,
)
from core.money import amount_check


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
