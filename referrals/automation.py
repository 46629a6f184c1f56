"""What the referral programme offers funnels: "a referred customer signed up"
and "a commission became available", both enrolling the referrer.

Fired by ``referrals.services`` inside the transaction that records the referral
or credits the commission, once per occurrence.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core import plugins


def register() -> None:
    plugins.automation_triggers.register(
        plugins.AutomationTrigger(
            "referral.signed_up",
            gettext_lazy("Referral signed up"),
            description=gettext_lazy(
                "Someone came through the customer's referral link and became a "
                "customer (the referrer enters the funnel)."
            ),
            order=80,
        )
    )
    plugins.automation_triggers.register(
        plugins.AutomationTrigger(
            "referral.commission_available",
            gettext_lazy("Referral commission available"),
            description=gettext_lazy(
                "A referral commission's refund window ended and it was credited "
                "to the referrer's balance."
            ),
            order=81,
        )
    )
