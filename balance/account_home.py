"""The "My credits" panel of the customer area's home page."""

from __future__ import annotations

from django.http import HttpRequest

from balance.models import BalanceSettings
from balance.selectors import customer_available


def credits_home_context(request: HttpRequest) -> dict | None:
    """The available amount, while "My credits" is shown (else no panel)."""
    if not BalanceSettings.load().credits_section_enabled:
        return None
    return {"available": customer_available(request.user.customer)}  # type: ignore[union-attr]
