"""Template helpers of login and access: one-shot nonces and quick contact links."""

import re

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy as pgettext

from customers.forms.login import nonce_new

register = template.Library()


@register.simple_tag
def login_nonce() -> str:
    """A fresh nonce for a one-shot action form (see NonceForm)."""
    return nonce_new()


def _dial(number: str) -> str:
    """A number as a tel:/sms: link wants it: digits and a leading +."""
    number = number.strip()
    digits = re.sub(r"\D", "", number)
    if not digits:
        return ""
    return f"+{digits}" if number.startswith("+") else digits


def _whatsapp(number: str) -> str:
    """The digits wa.me wants: international format, no +, no leading 00."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("00"):
        digits = digits[2:]
    return digits


@register.simple_tag
def contact_links(customer) -> list[dict]:
    """tel: for the phone and the mobile; sms: and WhatsApp when there is a mobile."""
    links = []
    phone = _dial(customer.phone or "")
    if phone:
        links.append(
            {
                "kind": "tel",
                "label": pgettext("contact link", "Call"),
                "href": f"tel:{phone}",
            }
        )
    mobile = _dial(customer.mobile or "")
    if mobile:
        if mobile != phone:
            links.append(
                {"kind": "tel", "label": _("Call mobile"), "href": f"tel:{mobile}"}
            )
        links.append({"kind": "sms", "label": _("SMS"), "href": f"sms:{mobile}"})
        links.append(
            {
                "kind": "whatsapp",
                "label": _("WhatsApp"),
                "href": f"https://wa.me/{_whatsapp(customer.mobile)}",
            }
        )
    return links
