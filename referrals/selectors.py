"""Reads with business meaning: who may refer, a referrer's figures, the staff list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from customers.models import Customer
from referrals.models import Commission, Referral, ReferralSettings, ReferralVisit
from selling.models import Order

ZERO = Decimal("0.00")
MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)


def rules_current() -> ReferralSettings:
    """The settings as saved, or their defaults before anyone saved them (read
    only: a page drawing the menu writes nothing)."""
    return ReferralSettings.objects.filter(pk=1).first() or ReferralSettings(pk=1)


def referrer_allowed(
    customer: Customer, settings_row: ReferralSettings | None = None
) -> bool:
    """Whether the settings let ``customer`` refer others (everyone, or a tag)."""
    current = settings_row or rules_current()
    if current.referrers == ReferralSettings.Referrers.EVERYONE:
        return True
    if current.referrer_tag_id is None:
        return False
    return customer.tags.filter(pk=current.referrer_tag_id).exists()


@dataclass(frozen=True)
class ReferrerStats:
    visits: int
    signups: int
    paying: int
    pending: Decimal
    earned: Decimal
    reversed: Decimal


def referrer_stats(customer_id: int) -> ReferrerStats:
    """A referrer's figures: their link's visits, the customers they brought, the
    ones who paid, and their commissions by state."""
    visits = ReferralVisit.objects.filter(code__customer_id=customer_id).aggregate(
        total=Sum("count")
    )["total"]
    referrals = Referral.objects.filter(referrer_id=customer_id)
    paying = referrals.filter(
        Exists(
            Order.objects.filter(
                customer_id=OuterRef("referred_id"), status=Order.Status.PAID
            )
        )
    ).count()
    sums = Commission.objects.filter(referrer_id=customer_id).aggregate(
        pending=Sum("amount", filter=Q(status=Commission.Status.PENDING)),
        earned=Sum("amount", filter=Q(status=Commission.Status.AVAILABLE)),
        reversed=Sum("amount", filter=Q(status=Commission.Status.REVERSED)),
    )
    return ReferrerStats(
        visits=visits or 0,
        signups=referrals.count(),
        paying=paying,
        pending=sums["pending"] or ZERO,
        earned=sums["earned"] or ZERO,
        reversed=sums["reversed"] or ZERO,
    )


def customer_referrals(customer_id: int) -> QuerySet[Referral]:
    """The customers ``customer_id`` referred, newest first."""
    return Referral.objects.filter(referrer_id=customer_id).select_related("referred")


def customer_commissions(customer_id: int) -> QuerySet[Commission]:
    return Commission.objects.filter(referrer_id=customer_id).select_related(
        "order", "referral__referred"
    )


def _commission_sum(status: str):
    return Coalesce(
        Subquery(
            Commission.objects.filter(referrer_id=OuterRef("pk"), status=status)
            .order_by()
            .values("referrer_id")
            .annotate(total=Sum("amount"))
            .values("total"),
            output_field=MONEY,
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def referrers_list() -> QuerySet[Customer]:
    """Every customer who referred someone, with their figures, in one query.

    Each figure is its own subquery, so the sums are not multiplied by the joins.
    "Revenue brought" is what the referred customers paid (balance part left out)
    on their paid orders.
    """
    signups = (
        Referral.objects.filter(referrer_id=OuterRef("pk"))
        .order_by()
        .values("referrer_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    revenue = (
        Order.objects.filter(
            status=Order.Status.PAID,
            customer__referral__referrer_id=OuterRef("pk"),
        )
        .order_by()
        .values("customer__referral__referrer_id")
        .annotate(total=Sum("total_due"))
        .values("total")
    )
    return (
        Customer.objects.filter(
            Exists(Referral.objects.filter(referrer_id=OuterRef("pk")))
        )
        .annotate(
            referral_signups=Coalesce(
                Subquery(signups, output_field=IntegerField()), Value(0)
            ),
            referral_revenue=Coalesce(
                Subquery(revenue, output_field=MONEY), Value(ZERO), output_field=MONEY
            ),
            commissions_pending=_commission_sum(Commission.Status.PENDING),
            commissions_available=_commission_sum(Commission.Status.AVAILABLE),
            commissions_reversed=_commission_sum(Commission.Status.REVERSED),
        )
        .order_by("-referral_signups", "pk")
    )
