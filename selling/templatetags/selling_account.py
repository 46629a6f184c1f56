"""Template helpers of the customer area's shop, cart and checkout."""

import re
from decimal import Decimal

from django import template

register = template.Library()

COLOUR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOUR = "#2346c8"


@register.filter
def offer_button_style(offer) -> str:
    """The inline style of the "pay with balance" button, from the balance settings.

    ``button_style`` is one of the balance settings' ``ButtonStyle`` values:
    filled (coloured background), outline (coloured border and text) or link.
    """
    colour = offer.button_colour or ""
    if not COLOUR_PATTERN.fullmatch(colour):
        colour = DEFAULT_COLOUR
    if offer.button_style == "outline":
        return f"background: transparent; color: {colour}; border: 2px solid {colour};"
    if offer.button_style == "link":
        return (
            f"background: none; border: none; padding: 0; color: {colour}; "
            "text-decoration: underline;"
        )
    return f"background: {colour}; color: #fff; border: 1px solid {colour};"


@register.filter
def cart_line_total(line) -> Decimal:
    """A cart line's price times its quantity."""
    return line.product.price * line.quantity
