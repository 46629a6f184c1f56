"""Template helpers of the customer area's shop, cart and checkout."""

import re
from decimal import Decimal

from django import template

register = template.Library()

COLOUR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOUR = "#2346c8"


@register.filter
def offer_button_colour(offer) -> str:
    """The colour of the "pay with balance" button, from the balance settings.

    The button's ``checkout-offer-<button_style>`` class draws it filled, outlined
    or as a link in this colour, which static/js/clientela.js applies from the
    button's ``data-colour`` (the Content-Security-Policy refuses inline styles).
    """
    colour = offer.button_colour or ""
    return colour if COLOUR_PATTERN.fullmatch(colour) else DEFAULT_COLOUR


@register.filter
def cart_line_total(line) -> Decimal:
    """A cart line's price times its quantity."""
    return line.product.price * line.quantity
