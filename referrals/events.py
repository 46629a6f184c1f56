"""The referrals' events for ``core.events`` (webhooks): ``referral.signed_up``
when a referred visitor signs up, ``referral.commission_available`` when a
commission is credited to the referrer's balance.

Built here, by the app that owns the rows (amounts as strings, times in ISO
8601); nothing is built when nobody listens (``events_wanted`` first).
"""

from __future__ import annotations

from core.events import Event, events_publish, events_wanted
from customers.events import customer_event_summary
from referrals.models import Commission, Referral

REFERRAL_SIGNED_UP = "referral.signed_up"
COMMISSION_AVAILABLE = "referral.commission_available"


def referral_signed_up_publish(referral: Referral) -> None:
    if not events_wanted(REFERRAL_SIGNED_UP):
        return
    events_publish(
        [
            Event(
                REFERRAL_SIGNED_UP,
                key=f"referral.signed_up:{referral.pk}",
                data={
                    "referral_id": referral.pk,
                    # The referrer: the customer the event is about.
                    "customer_id": referral.referrer_id,
                    "referrer": customer_event_summary(referral.referrer)
                    if referral.referrer is not None
                    else None,
                    "referred_id": referral.referred_id,
                    "referred": customer_event_summary(referral.referred),
                    "source": referral.source,
                    "created_at": referral.created_at.isoformat(),
                },
            )
        ]
    )


def commission_available_publish(commission: Commission) -> None:
    if not events_wanted(COMMISSION_AVAILABLE):
        return
    entry = commission.entry
    events_publish(
        [
            Event(
                COMMISSION_AVAILABLE,
                key=f"referral.commission_available:{commission.pk}",
                data={
                    "commission_id": commission.pk,
                    "referral_id": commission.referral_id,
                    # The referrer, whose balance was credited.
                    "customer_id": commission.referrer_id,
                    "referrer": customer_event_summary(commission.referrer),
                    "order_id": commission.order_id,
                    "order_number": commission.order.number,
                    "amount": str(commission.amount),
                    # What the referred customer paid, the commission's base.
                    "base_amount": str(commission.base_amount),
                    "entry_id": commission.entry_id,
                    "balance_after": str(entry.balance_after) if entry else None,
                    "credited_at": commission.credited_at.isoformat()
                    if commission.credited_at
                    else None,
                },
            )
        ]
    )
