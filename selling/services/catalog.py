"""The catalog and the module's settings, as staff change them.

A product is never deleted (orders keep pointing at it): it is deactivated, and
then it can no longer be bought.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from selling.models import Product, SellingSettings

PRODUCT_FIELDS = (
    "name",
    "description",
    "name_translations",
    "description_translations",
    "price",
    "renewal_period",
    "renewal_unit",
    "is_active",
)


def _renewal_check(product: Product) -> None:
    """A renewal period is a number and a unit, or neither."""
    if product.renewal_period is not None and not product.renewal_unit:
        raise ValidationError(
            {"renewal_unit": _("Choose the unit of the renewal period.")},
            code="renewal_incomplete",
        )
    if product.renewal_unit and product.renewal_period is None:
        raise ValidationError(
            {"renewal_period": _("Enter how many units the renewal period lasts.")},
            code="renewal_incomplete",
        )


@transaction.atomic
def product_save(*, product: Product | None = None, **values) -> Product:
    """Creates a product, or changes one; orders already placed keep their copy."""
    product = product or Product()
    for name in PRODUCT_FIELDS:
        if name in values:
            setattr(product, name, values[name])
    if product.price is not None and product.price < 0:
        raise ValidationError(
            {"price": _("The price cannot be negative.")}, code="negative_price"
        )
    _renewal_check(product)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def selling_settings_save(**values) -> SellingSettings:
    """Stores the module's options (checked by the settings form)."""
    settings_row = SellingSettings.load()
    for name in ("bank_transfer_instructions", "staff_notification_emails"):
        if name in values:
            setattr(settings_row, name, values[name])
    settings_row.full_clean()
    settings_row.save()
    return settings_row
