"""Template filters of the selling app's backoffice pages."""

from decimal import Decimal

from django import template

from core.money import money_format
from selling.tables import (
    payment_method_label,
    renewal_period_text,
    status_badge_class,
)

register = template.Library()


@register.filter
def selling_money(amount) -> str:
    """An amount in the locale's format with the shop's currency ("1,234.50 EUR")."""
    if amount is None or amount == "":
        return ""
    return money_format(Decimal(amount))


@register.filter
def payment_method_name(key: str) -> str:
    return payment_method_label(key)


@register.filter
def renewal_period(product) -> str:
    return renewal_period_text(product)


@register.filter
def order_status_badge(status: str) -> str:
    return status_badge_class(status)
