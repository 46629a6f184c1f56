"""``{{ amount|money }}``: an amount in the active locale's format with the currency.

The one money filter of every template ("1.234,50 EUR" in Italian); empty for no
amount.
"""

from decimal import Decimal

from django import template

from core.money import money_format

register = template.Library()


@register.filter
def money(amount) -> str:
    if amount is None or amount == "":
        return ""
    return money_format(amount if isinstance(amount, Decimal) else Decimal(amount))
