"""Template filters of the expirations' staff pages."""

from django import template

register = template.Library()


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
