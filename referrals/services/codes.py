"""Referral codes and their link's visits."""

from __future__ import annotations

import re
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from customers.models import Customer
from referrals.models import ReferralCode, ReferralVisit
from referrals.selectors import referrer_allowed

# token_urlsafe(6): 8 characters of [A-Za-z0-9_-], 48 random bits.
CODE_BYTES = 6
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,10}$")


def code_is_well_formed(code: str) -> bool:
    return bool(CODE_PATTERN.fullmatch(code or ""))


def code_for(customer: Customer) -> ReferralCode:
    """The customer's code, created on first use (a clash draws another)."""
    existing = ReferralCode.objects.filter(customer=customer).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(
                    customer=customer, code=secrets.token_urlsafe(CODE_BYTES)
                )
        except IntegrityError:
            existing = ReferralCode.objects.filter(customer=customer).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not draw a free referral code.")


def code_find(code: str) -> ReferralCode | None:
    """The code's row if it is well formed, known and its owner may refer now."""
    if not code_is_well_formed(code):
        return None
    found = ReferralCode.objects.select_related("customer").filter(code=code).first()
    if found is None or not referrer_allowed(found.customer):
        return None
    return found


def visit_record(*, code: ReferralCode) -> None:
    """Counts one visit of the code's link today (one row per code and day)."""
    day = timezone.localdate()
    visits = ReferralVisit.objects.filter(code=code, day=day)
    if visits.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ReferralVisit.objects.create(code=code, day=day, count=1)
    except IntegrityError:
        # Another visit created today's row at the same moment.
        visits.update(count=F("count") + 1)
