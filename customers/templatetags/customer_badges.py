"""Coloured tag badges, readable whatever the tag's colour."""

import re

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#2346c8"


def badge_text_colour(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (#rrggbb)."""
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    # Perceived brightness (ITU-R BT.601 weights), 0-255.
    brightness = (red * 299 + green * 587 + blue * 114) / 1000
    return "#111111" if brightness > 150 else "#ffffff"


@register.filter
def tag_badge(tag) -> str:
    colour = tag.colour if HEX_COLOUR.match(tag.colour or "") else DEFAULT_COLOUR
    # The colours come as data attributes that static/js/clientela.js applies: the
    # Content-Security-Policy refuses inline style attributes.
    return format_html(
        '<span class="badge tag-badge" data-colour="{}" data-text-colour="{}">'
        "{}</span>",
        colour,
        badge_text_colour(colour),
        tag.name,
    )


@register.filter
def tag_badges(tags) -> str:
    return format_html_join(" ", "{}", ((tag_badge(tag),) for tag in tags))
