"""The customer's "Renew": an expiration's renewal put in the cart.

The renewal is an ordinary cart line of the expiration's product that names the
expiration (``renews=("expiration", pk)``); paying the order moves the expiry (see
``expirations.services.renewal``).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.input import id_parse
from customers.models import Customer
from expirations.models import Expiration, ExpirationSettings
from expirations.services.renewal import RENEWS_TYPE
from selling.models import CartLine
from selling.services.cart import cart_add


def renew_window_opens(expiration: Expiration, quick_renew_days: int) -> date:
    """The first day the customer may renew it from their area.

    An expiry stored before dates were bounded (0001-01-01) opens on the first day
    there is rather than overflowing.
    """
    try:
        return expiration.expiry_date - timedelta(days=quick_renew_days)
    except OverflowError:
        return date.min


def can_renew_now(
    expiration: Expiration, *, today: date, quick_renew_days: int
) -> bool:
    """Renewable by the customer today: live, of an active renewable product, and in
    the quick-renew window (which stays open after the expiry, to win it back)."""
    product = expiration.product
    return (
        not expiration.is_cancelled
        and product is not None
        and product.is_renewable
        and product.is_active
        and today >= renew_window_opens(expiration, quick_renew_days)
    )


def renew_by_contact(
    expiration: Expiration, *, today: date, quick_renew_days: int
) -> bool:
    """Near its expiry (in the quick-renew window) but not renewable online: a
    service outside the catalog, or whose product is no longer on sale. The
    customer is told to contact the business instead of seeing no button."""
    return (
        not expiration.is_cancelled
        and today >= renew_window_opens(expiration, quick_renew_days)
        and not can_renew_now(
            expiration, today=today, quick_renew_days=quick_renew_days
        )
    )


def expiration_renew_to_cart(
    *, customer: Customer, expiration_id, today: date | None = None, actor=None
) -> CartLine:
    """Puts the renewal of the customer's expiration in their cart (once).

    Refused, with the reason, for another customer's expiration (as "not found"), a
    cancelled one, one without a renewable product on sale, or before the
    quick-renew window opens.
    """
    today = today or timezone.localdate()
    pk = id_parse(expiration_id)
    expiration = (
        Expiration.objects.select_related("product")
        .filter(pk=pk, customer=customer)
        .first()
        if pk is not None
        else None
    )
    if expiration is None:
        raise ValidationError(_("This service was not found."), code="not_found")
    if expiration.is_cancelled:
        raise ValidationError(
            _("This service was cancelled: it cannot be renewed."), code="cancelled"
        )
    product = expiration.product
    if product is None or not product.is_renewable:
        raise ValidationError(
            _("“%(item)s” cannot be renewed online: please contact us.")
            % {"item": expiration.label},
            code="not_renewable",
        )
    if not product.is_active:
        raise ValidationError(
            _("“%(item)s” is no longer on sale: please contact us.")
            % {"item": expiration.label},
            code="inactive",
        )
    quick_renew_days = ExpirationSettings.load().quick_renew_days
    if not can_renew_now(expiration, today=today, quick_renew_days=quick_renew_days):
        raise ValidationError(
            _("“%(item)s” can be renewed from %(date)s.")
            % {
                "item": expiration.label,
                "date": date_format(
                    renew_window_opens(expiration, quick_renew_days), "DATE_FORMAT"
                ),
            },
            code="too_early",
        )
    return cart_add(
        customer=customer,
        product_id=product.pk,
        quantity=1,
        renews=(RENEWS_TYPE, expiration.pk),
        actor=actor,
    )
