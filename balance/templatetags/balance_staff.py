"""Template filters of the balance's staff pages."""

from decimal import Decimal

from django import template

from core.money import money_format

register = template.Library()


@register.filter
def balance_money(amount) -> str:
    """An amount in the locale's format with the shop's currency ("1,234.50 EUR")."""
    if amount is None or amount == "":
        return ""
    return money_format(Decimal(amount))
