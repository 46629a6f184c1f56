"""Template filters of the customer area's "My credits"."""

from decimal import Decimal

from django import template

from core.money import money_format

register = template.Library()


@register.filter
def credits_money(amount) -> str:
    """An amount in the locale's format with the shop's currency."""
    if amount is None or amount == "":
        return ""
    return money_format(Decimal(amount))
