"""Template filters of the expirations' staff pages."""

from django import template

from core.money import money_format

register = template.Library()


@register.filter
def expiration_money(amount) -> str:
    """ "1.234,50 EUR" in the active locale; empty for no amount."""
    return "" if amount is None else money_format(amount)


STATE_BADGES = {
    "active": "badge-sent",
    "renewed": "badge-sent",
    "expiring_soon": "badge-due",
    "expired": "badge-failed",
    "cancelled": "",
}


@register.filter
def expiration_state_badge(state: str) -> str:
    """The badge class that colours a state."""
    return STATE_BADGES.get(state, "")
