"""Shortcodes in automation texts: ``{first_name}``, ``{balance}``, ``{renew_url}``...

``shortcodes_render(text, customer, context)`` is what every automation text goes
through (a note of a credit, an e-mail's subject and body): ``{first_name}``,
``{last_name}`` and ``{email}`` are built in, every other name comes from
``core.plugins.automation_shortcodes`` (registered by the app owning the data, keyed
by the bare name: "balance" for ``{balance}``). A name nobody knows is left as
typed, so a typo shows in the result instead of vanishing; so is a value its
shortcode cannot give (it raised), which is logged.

Values are computed once per text, in the active language (the caller activates
the customer's). ``escape=True`` HTML-escapes them, for an HTML body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.utils.html import escape as html_escape

from core import plugins

logger = logging.getLogger(__name__)

SHORTCODE_RE = re.compile(r"\{([a-z][a-z0-9_]*)\}")

BUILT_IN: dict[str, Callable[[Any], str]] = {
    "first_name": lambda customer: customer.first_name or "",
    "last_name": lambda customer: customer.last_name or "",
    "email": lambda customer: customer.email or "",
}


def shortcode_names() -> list[str]:
    """Every name a text may use, the built-in ones first (for the editor's help)."""
    return [*BUILT_IN, *(entry.key for entry in plugins.automation_shortcodes)]


def _value(name: str, customer, context: plugins.AutomationContext) -> str | None:
    if name in BUILT_IN:
        return BUILT_IN[name](customer)
    entry = plugins.automation_shortcodes.get(name)
    if entry is None:
        return None
    try:
        return str(entry.value(customer, context))
    except Exception:
        logger.exception("Shortcode {%s} failed for customer %s", name, customer.pk)
        return None


def shortcodes_render(
    text: str,
    customer,
    context: plugins.AutomationContext | None = None,
    *,
    escape: bool = False,
) -> str:
    """``text`` with each known ``{name}`` replaced by its value for the customer."""
    if not text or "{" not in text:
        return text or ""
    context = context or plugins.AutomationContext()
    values: dict[str, str | None] = {}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            values[name] = _value(name, customer, context)
        value = values[name]
        if value is None:
            return match.group(0)
        return html_escape(value) if escape else value

    return SHORTCODE_RE.sub(replace, text)
