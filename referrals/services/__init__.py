"""The referral programme's services (see each module)."""

from referrals.services.attribution import referral_attach, referral_referrer_set
from referrals.services.codes import code_find, code_for, visit_record
from referrals.services.commissions import (
    commission_credit,
    commission_on_order_paid,
    commission_on_order_refunded,
    commissions_credit_due,
)
from referrals.services.settings import (
    product_commission_remove,
    product_commission_set,
    referral_settings_save,
)

__all__ = [
    "code_find",
    "code_for",
    "commission_credit",
    "commission_on_order_paid",
    "commission_on_order_refunded",
    "commissions_credit_due",
    "product_commission_remove",
    "product_commission_set",
    "referral_attach",
    "referral_referrer_set",
    "referral_settings_save",
    "visit_record",
]
