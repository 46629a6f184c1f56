"""The settings' services refuse out-of-range rules themselves (not only the
form): a percentage outside 0-100, a negative fixed amount; nothing is saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from referrals.models import ProductCommission, ReferralSettings
from referrals.services import product_commission_set, referral_settings_save
from tests.referrals.support import D
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db

RULES = {
    "referrers": "everyone",
    "referrer_tag": None,
    "cookie_days": 30,
    "commission_type": "percent",
    "commission_percent": D("10.00"),
    "commission_fixed": D("0.00"),
    "exclude_balance": True,
    "scope": "first_order",
    "scope_months": 12,
    "refund_window_days": 30,
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("commission_percent", D("100.01")),
        ("commission_percent", D("-0.01")),
        ("commission_fixed", D("-0.01")),
        ("cookie_days", 0),
        ("cookie_days", 366),
        ("refund_window_days", -1),
        ("refund_window_days", 366),
        ("scope_months", 121),
    ],
)
def test_settings_save_refuses_out_of_range_and_saves_nothing(field, value):
    with pytest.raises(ValidationError) as refusal:
        referral_settings_save(
            **{**RULES, "commission_percent": D("20.00"), field: value}
        )
    assert field in refusal.value.message_dict
    assert ReferralSettings.load().commission_percent == D("10.00")


def test_settings_save_keeps_the_bounds_themselves():
    saved = referral_settings_save(
        **{**RULES, "commission_percent": D("100"), "refund_window_days": 0}
    )
    assert saved.commission_percent == D("100.00")
    assert saved.refund_window_days == 0


@pytest.mark.parametrize(
    ("kind", "value"),
    [("percent", D("100.01")), ("percent", D("-1")), ("fixed", D("-0.01"))],
)
def test_product_commission_out_of_range_is_refused(kind, value):
    with pytest.raises(ValidationError):
        product_commission_set(
            product=ProductFactory(), commission_type=kind, value=value
        )
    assert not ProductCommission.objects.exists()
