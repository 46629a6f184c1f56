"""The "Next renewal" panel of the customer area's home page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from expirations.models import ExpirationSettings
from expirations.selectors import account_expirations
from expirations.services.cart import can_renew_now, renew_by_contact


def next_renewal_home_context(request: HttpRequest) -> dict | None:
    """The soonest live service due for renewal (in the quick-renew window), with
    its Renew button, or how to renew it when that cannot be done online (else no
    panel)."""
    today = timezone.localdate()
    quick_renew_days = ExpirationSettings.load().quick_renew_days
    active, _expired = account_expirations(
        request.user.customer.pk,  # type: ignore[union-attr]
        today=today,
    )
    for expiration in active:
        renewable = can_renew_now(
            expiration, today=today, quick_renew_days=quick_renew_days
        )
        if renewable or renew_by_contact(
            expiration, today=today, quick_renew_days=quick_renew_days
        ):
            return {
                "expiration": expiration,
                "days_left": expiration.days_left(today),
                "renewable": renewable,
            }
    return None
