"""The programme's settings and the products' own commissions."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Tag
from referrals.models import (
    COOKIE_DAYS_MAX,
    MONTHS_MAX,
    WINDOW_DAYS_MAX,
    CommissionType,
    ProductCommission,
    ReferralSettings,
)
from selling.models import Product

HUNDRED = Decimal("100")


def _value_check(commission_type: str, value: Decimal, field: str) -> None:
    if value < 0:
        raise ValidationError(
            {field: _("A commission cannot be negative.")}, code="negative"
        )
    if commission_type == CommissionType.PERCENT and value > HUNDRED:
        raise ValidationError(
            {field: _("A percentage is between 0 and 100.")}, code="percent_range"
        )


@transaction.atomic(durable=True)
def referral_settings_save(
    *,
    referrers: str,
    referrer_tag: Tag | None,
    cookie_days: int,
    commission_type: str,
    commission_percent: Decimal,
    commission_fixed: Decimal,
    exclude_balance: bool,
    scope: str,
    scope_months: int,
    refund_window_days: int,
) -> ReferralSettings:
    """Saves the rules; out-of-range values are refused, and nothing is saved."""
    if referrers not in ReferralSettings.Referrers.values:
        raise ValidationError({"referrers": _("Choose who may refer.")})
    if referrers == ReferralSettings.Referrers.TAG and referrer_tag is None:
        raise ValidationError(
            {"referrer_tag": _("Choose the tag of the customers who may refer.")},
            code="tag_required",
        )
    if commission_type not in CommissionType.values:
        raise ValidationError({"commission_type": _("Choose a kind of commission.")})
    if scope not in ReferralSettings.Scope.values:
        raise ValidationError({"scope": _("Choose which orders earn a commission.")})
    if not 1 <= cookie_days <= COOKIE_DAYS_MAX:
        raise ValidationError(
            {"cookie_days": _("Between 1 and %(max)d days.") % {"max": COOKIE_DAYS_MAX}}
        )
    if not 1 <= scope_months <= MONTHS_MAX:
        raise ValidationError(
            {"scope_months": _("Between 1 and %(max)d months.") % {"max": MONTHS_MAX}}
        )
    if not 0 <= refund_window_days <= WINDOW_DAYS_MAX:
        raise ValidationError(
            {
                "refund_window_days": _("Between 0 and %(max)d days.")
                % {"max": WINDOW_DAYS_MAX}
            }
        )
    _value_check(CommissionType.PERCENT, commission_percent, "commission_percent")
    _value_check(CommissionType.FIXED, commission_fixed, "commission_fixed")
    current = ReferralSettings.load()
    current.referrers = referrers
    current.referrer_tag = referrer_tag
    current.cookie_days = cookie_days
    current.commission_type = commission_type
    current.commission_percent = commission_percent
    current.commission_fixed = commission_fixed
    current.exclude_balance = exclude_balance
    current.scope = scope
    current.scope_months = scope_months
    current.refund_window_days = refund_window_days
    current.full_clean()
    current.save()
    return current


@transaction.atomic(durable=True)
def product_commission_set(
    *, product: Product, commission_type: str, value: Decimal
) -> ProductCommission:
    """Gives a product its own commission (replacing the one it had)."""
    if commission_type not in CommissionType.values:
        raise ValidationError({"commission_type": _("Choose a kind of commission.")})
    _value_check(commission_type, value, "value")
    rate, _created = ProductCommission.objects.update_or_create(
        product=product,
        defaults={"commission_type": commission_type, "value": value},
    )
    return rate


@transaction.atomic(durable=True)
def product_commission_remove(*, product_commission_id: int) -> None:
    """The product earns the settings' commission again."""
    ProductCommission.objects.filter(pk=product_commission_id).delete()
