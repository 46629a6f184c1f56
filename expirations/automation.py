"""What the expirations module offers funnels: triggers, conditions, shortcodes.

- "expiration.expired": fired by the daily job with the EXPIRED event, in its
  batch's transaction, once per expiration and expiry date.
- "expiration.expiring": time-based; ``expiring_scan`` finds the live services
  whose expiry date is at most N days ahead and not yet passed. After downtime the
  next scan still finds every service in that window (nothing is missed unless
  its expiry passed meanwhile, when "expired" takes over). The entry key holds the
  expiry date, so a renewal (a new date) arms it again.
- "expiration.renewed": fired when a paid order line renews a service, once per
  renewal (the order line is unique per renewal).

Shortcodes ``{expiry_date}``, ``{product}`` and ``{renew_url}`` speak of the
expiration the funnel was entered for (``context.payload["expiration_id"]``),
else of the customer's next live one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from core import plugins
from core.plugins import AutomationContext, TriggerHit
from expirations.models import Expiration
from expirations.services.notifications import renew_link
from selling.models import Product

MAX_DAYS = 365
SCAN_CHUNK = 2000


def _product_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Product.objects.all(),
        label=gettext_lazy("Product"),
        required=False,
        empty_label=gettext_lazy("Any service"),
    )


class _ProductForm(forms.Form):
    product = _product_field()

    def clean_product(self):
        product = self.cleaned_data["product"]
        return product.pk if product is not None else None


class ProductTriggerForm(_ProductForm):
    """An optional product: only services of it (empty: every service)."""


class ExpiringTriggerForm(_ProductForm):
    days = forms.IntegerField(
        label=gettext_lazy("Days before the expiry"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=30,
    )


class HasActiveForm(_ProductForm):
    pass


class HasExpiringForm(ExpiringTriggerForm):
    pass


def _product_id(params: dict[str, Any]) -> int | None:
    try:
        return int(params.get("product") or 0) or None
    except (TypeError, ValueError):
        return None


def _days(params: dict[str, Any]) -> int:
    days = int(params["days"])
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days out of range: {days}")
    return days


def product_matches(params: dict[str, Any], payload: dict[str, Any]) -> bool:
    wanted = _product_id(params)
    return wanted is None or wanted == payload.get("product_id")


def expiration_payload(expiration_id: int, expiry: date, product_id) -> dict:
    return {
        "expiration_id": expiration_id,
        "expiry_date": expiry.isoformat(),
        "product_id": product_id,
    }


def _live_until(today: date, days: int, product_id: int | None):
    rows = Expiration.objects.filter(
        is_cancelled=False,
        expiry_date__gte=today,
        expiry_date__lte=today + timedelta(days=days),
    )
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    return rows


def expiring_scan(params: dict[str, Any], now: datetime) -> Iterator[TriggerHit]:
    """The live services expiring within ``params["days"]`` days of ``now`` (today
    included), one query streamed in chunks on the partial index of live
    expirations: constant memory and query count at a million rows."""
    today = timezone.localdate(now)
    rows = (
        _live_until(today, _days(params), _product_id(params))
        .order_by()
        .values_list("id", "customer_id", "expiry_date", "product_id")
    )
    for expiration_id, customer_id, expiry, product_id in rows.iterator(
        chunk_size=SCAN_CHUNK
    ):
        yield TriggerHit(
            customer_id=customer_id,
            entry_key=f"expiration:{expiration_id}:{expiry.isoformat()}:expiring",
            payload=expiration_payload(expiration_id, expiry, product_id),
        )


# --- Conditions ---


def _today(context: AutomationContext) -> date:
    return timezone.localdate(context.now) if context.now else timezone.localdate()


def has_active(customer, params, context) -> bool:
    """ "expirations.has_active": a live service whose expiry has not passed."""
    rows = Expiration.objects.filter(
        customer_id=customer.pk, is_cancelled=False, expiry_date__gte=_today(context)
    )
    product_id = _product_id(params)
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    return rows.exists()


def has_expiring(customer, params, context) -> bool:
    """ "expirations.has_expiring": a live service expiring within N days."""
    rows = _live_until(_today(context), _days(params), _product_id(params))
    return rows.filter(customer_id=customer.pk).exists()


# --- Shortcodes ---


def _expiration(customer, context: AutomationContext) -> Expiration | None:
    """The funnel's expiration (the customer's own only), else their next one."""
    rows = Expiration.objects.filter(customer_id=customer.pk).select_related("product")
    expiration_id = context.payload.get("expiration_id")
    if expiration_id:
        found = rows.filter(pk=expiration_id).first()
        if found is not None:
            return found
    return (
        rows.filter(is_cancelled=False, expiry_date__gte=_today(context))
        .order_by("expiry_date", "id")
        .first()
    )


def expiry_date_shortcode(customer, context) -> str:
    expiration = _expiration(customer, context)
    if expiration is None:
        return ""
    return date_format(expiration.expiry_date, "DATE_FORMAT")


def product_shortcode(customer, context) -> str:
    expiration = _expiration(customer, context)
    return expiration.label if expiration is not None else ""


def renew_url_shortcode(customer, context) -> str:
    """Where the customer renews: their "My expirations" page, absolute."""
    return renew_link()


def register() -> None:
    """Called from ``ExpirationsConfig.ready()``."""
    triggers = [
        plugins.AutomationTrigger(
            "expiration.expired",
            gettext_lazy("Expiration expired"),
            description=gettext_lazy(
                "A customer's service ran out without being renewed (the day "
                "after its expiry date)."
            ),
            form_class=ProductTriggerForm,
            matches=product_matches,
            order=30,
        ),
        plugins.AutomationTrigger(
            "expiration.expiring",
            gettext_lazy("Expiration coming up"),
            description=gettext_lazy(
                "A customer's service expires within the given number of days "
                "(checked every tick; a renewal arms it again)."
            ),
            form_class=ExpiringTriggerForm,
            matches=product_matches,
            scan=expiring_scan,
            order=31,
        ),
        plugins.AutomationTrigger(
            "expiration.renewed",
            gettext_lazy("Expiration renewed"),
            description=gettext_lazy("A paid order renewed a customer's service."),
            form_class=ProductTriggerForm,
            matches=product_matches,
            order=32,
        ),
    ]
    for trigger in triggers:
        plugins.automation_triggers.register(trigger)
    plugins.automation_conditions.register(
        plugins.AutomationCondition(
            "expirations.has_active",
            gettext_lazy("Has an active service"),
            test=has_active,
            form_class=HasActiveForm,
            order=30,
        )
    )
    plugins.automation_conditions.register(
        plugins.AutomationCondition(
            "expirations.has_expiring",
            gettext_lazy("Has a service expiring soon"),
            test=has_expiring,
            form_class=HasExpiringForm,
            order=31,
        )
    )
    shortcodes = [
        ("expiry_date", gettext_lazy("Expiry date"), expiry_date_shortcode),
        ("product", gettext_lazy("Service"), product_shortcode),
        ("renew_url", gettext_lazy("Renewal link"), renew_url_shortcode),
    ]
    for order, (key, label, value) in enumerate(shortcodes, start=30):
        plugins.automation_shortcodes.register(
            plugins.AutomationShortcode(key, label, value, order=order)
        )
