"""The reports engine's ``referrals.commissions`` source: referrers' earnings.

Registered from ``ReferralsConfig.ready()`` in ``core.plugins.report_sources``;
the ``reports`` app computes it without importing this app.

- dimensions: ``day`` ... ``year`` of ``created_at`` (when the referred order
  was paid and the commission made) in ``TIME_ZONE``; ``referrer``; ``status``
  (pending, available, cancelled, reversed);
- measures: ``count`` and ``amount`` (every commission); ``base_amount`` (what
  the referred customers paid); ``pending_amount`` (waiting for the refund
  window); ``credited_amount`` (available: in the referrer's balance);
  ``cancelled_amount`` (refunded before the credit) and ``reversed_amount``
  (refunded after it, taken back); the four add up to ``amount``;
- filters: ``status``, ``referrer`` (a customer's id).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from core import plugins
from core.reporting import (
    CATEGORY,
    COUNT,
    MONEY,
    ReportDimension,
    ReportFilter,
    ReportMeasure,
    ReportSource,
    id_parse,
    labels_from_choices,
    period_dimensions,
)
from customers.reports import customer_labels
from referrals.models import Commission

ZERO = Decimal("0.00")
SOURCE_KEY = "referrals.commissions"
Status = Commission.Status


status_labels = labels_from_choices(lambda: Status.choices)


def _amount_in(status: str):
    return lambda: Sum("amount", filter=Q(status=status), default=ZERO)


def commissions_queryset(user) -> QuerySet[Commission]:
    return Commission.objects.all()


def commissions_source() -> ReportSource:
    categories = (
        ReportDimension(
            "referrer",
            _("Referrer"),
            CATEGORY,
            expression=lambda: F("referrer_id"),
            labels=customer_labels,
            order=10,
        ),
        ReportDimension(
            "status",
            _("Status"),
            CATEGORY,
            expression=lambda: F("status"),
            labels=status_labels,
            order=11,
        ),
    )
    measures = (
        ReportMeasure(
            "count", _("Commissions"), COUNT, aggregate=lambda: Count("id"), order=0
        ),
        ReportMeasure(
            "amount",
            _("Amount"),
            MONEY,
            aggregate=lambda: Sum("amount", default=ZERO),
            order=1,
        ),
        ReportMeasure(
            "base_amount",
            _("Paid by the referred customers"),
            MONEY,
            aggregate=lambda: Sum("base_amount", default=ZERO),
            order=2,
        ),
        ReportMeasure(
            "pending_amount",
            _("Pending"),
            MONEY,
            aggregate=_amount_in(Status.PENDING),
            order=3,
        ),
        ReportMeasure(
            "credited_amount",
            _("Credited"),
            MONEY,
            aggregate=_amount_in(Status.AVAILABLE),
            order=4,
        ),
        ReportMeasure(
            "cancelled_amount",
            _("Cancelled"),
            MONEY,
            aggregate=_amount_in(Status.CANCELLED),
            order=5,
        ),
        ReportMeasure(
            "reversed_amount",
            _("Reversed"),
            MONEY,
            aggregate=_amount_in(Status.REVERSED),
            order=6,
        ),
    )
    filters = (
        ReportFilter(
            "status",
            _("Status"),
            lambda rows, values: rows.filter(status__in=values),
            choices=lambda: list(Status.choices),
        ),
        ReportFilter(
            "referrer",
            _("Referrer"),
            lambda rows, values: rows.filter(referrer_id__in=values),
            parse=id_parse,
        ),
    )
    return ReportSource(
        SOURCE_KEY,
        _("Referral commissions"),
        commissions_queryset,
        "created_at",
        dimensions=period_dimensions() + categories,
        measures=measures,
        filters=filters,
        permission="referrals.view_commission",
        default_measures=("count", "amount", "pending_amount", "credited_amount"),
        order=60,
    )


# Built once, so that registering it again (a second ready()) finds the same entry.
COMMISSIONS_SOURCE = commissions_source()


def register() -> None:
    plugins.report_sources.register(COMMISSIONS_SOURCE)
