"""The balance's events for ``core.events`` (webhooks): ``entry.posted`` for every
entry the ledger inserts, ``withdrawal.requested`` when a customer asks for a
payout, ``withdrawal.paid`` when staff record it.

The data is built here, by the app that owns the rows, from the fields a receiver
needs (amounts as strings, times in ISO 8601); the funnels' trigger payloads carry
only ids, which an outside system could not look up without the API.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from balance.models import Entry, Withdrawal
from core.events import Event, events_publish, events_wanted
from customers.events import customer_event_summary

ENTRY_POSTED = "entry.posted"
WITHDRAWAL_REQUESTED = "withdrawal.requested"
WITHDRAWAL_PAID = "withdrawal.paid"

# How the customer asked to be paid, named from the request's snapshot of the
# payout details; the details themselves (encrypted) never leave Clientela.
METHOD_BANK_TRANSFER = "bank_transfer"
METHOD_PAYPAL = "paypal"
METHOD_LABELS = {METHOD_BANK_TRANSFER: _("Bank transfer"), METHOD_PAYPAL: _("PayPal")}


def entry_event_data(entry: Entry) -> dict:
    return {
        "entry_id": entry.pk,
        "customer_id": entry.customer_id,
        "amount": str(entry.amount),
        "kind": entry.kind,
        "balance_after": str(entry.balance_after),
        "note": entry.note,
        "author_kind": entry.author_kind,
        "source_type": entry.source_type,
        "source_id": entry.source_id,
        "reversal_of_id": entry.reversal_of_id,
        "created_at": entry.created_at.isoformat() if entry.created_at else None,
    }


def entries_posted_publish(entries: Iterable[Entry]) -> None:
    """Publishes the entries just inserted, as one batch (nothing when nobody
    listens: the check is made before any data is built)."""
    if not events_wanted(ENTRY_POSTED):
        return
    events_publish(
        [
            Event(ENTRY_POSTED, key=f"entry:{entry.pk}", data=entry_event_data(entry))
            for entry in entries
        ]
    )


def withdrawal_paid_publish(withdrawal: Withdrawal) -> None:
    if not events_wanted(WITHDRAWAL_PAID):
        return
    events_publish(
        [
            Event(
                WITHDRAWAL_PAID,
                key=f"withdrawal:{withdrawal.pk}",
                data={
                    "withdrawal_id": withdrawal.pk,
                    "customer_id": withdrawal.customer_id,
                    "amount": str(withdrawal.amount),
                    "payout_reference": withdrawal.payout_reference,
                    "paid_at": withdrawal.paid_at.isoformat()
                    if withdrawal.paid_at
                    else None,
                },
            )
        ]
    )


def withdrawal_method(withdrawal: Withdrawal) -> str:
    """``bank_transfer``, ``paypal`` or "" (no details saved), from the snapshot."""
    snapshot = withdrawal.payout_details or {}
    if snapshot.get("iban_encrypted") or snapshot.get("iban_last4"):
        return METHOD_BANK_TRANSFER
    if snapshot.get("paypal_email_encrypted"):
        return METHOD_PAYPAL
    return ""


def _method_label(method: str) -> str:
    """In the shop's language (a receiver's reader, not the customer)."""
    if not method:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return str(METHOD_LABELS[method])


def withdrawal_requested_publish(withdrawal: Withdrawal) -> None:
    if not events_wanted(WITHDRAWAL_REQUESTED):
        return
    method = withdrawal_method(withdrawal)
    events_publish(
        [
            Event(
                WITHDRAWAL_REQUESTED,
                key=f"withdrawal:{withdrawal.pk}",
                data={
                    "withdrawal_id": withdrawal.pk,
                    "customer_id": withdrawal.customer_id,
                    "customer": customer_event_summary(withdrawal.customer),
                    "amount": str(withdrawal.amount),
                    "method": method,
                    "method_label": _method_label(method),
                    "requested_at": withdrawal.created_at.isoformat(),
                },
            )
        ]
    )
