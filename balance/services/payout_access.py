"""Who on staff saw which customer's payout details unmasked, and when."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from balance.models import PayoutDetailsAccess
from balance.services.payout import actor_label


def payout_shown_unmasked(snapshot: dict) -> bool:
    """Whether showing ``snapshot`` unmasked shows something masking would hide
    (the IBAN or the PayPal e-mail); the holder and the bank are never masked."""
    snapshot = snapshot or {}
    return bool(
        snapshot.get("iban_encrypted") or snapshot.get("paypal_email_encrypted")
    )


@transaction.atomic(durable=True)
def payout_access_record(
    *, viewer, customer_ids: Iterable[int], page: str
) -> list[PayoutDetailsAccess]:
    """Records that ``viewer`` was shown these customers' payout details unmasked
    on ``page`` (a ``PayoutDetailsAccess.Page``): one row per customer, in one
    insert whatever their number."""
    label = actor_label(viewer)[:300]
    return PayoutDetailsAccess.objects.bulk_create(
        PayoutDetailsAccess(
            customer_id=customer_id, viewer=viewer, viewer_label=label, page=page
        )
        for customer_id in dict.fromkeys(customer_ids)
    )
