"""The reports engine's ``withdrawals`` source: customers' payout requests.

- dimensions: ``day`` ... ``year`` of the request (``created_at``) in
  ``TIME_ZONE``: a withdrawal counts in the period it was requested, whenever
  it was decided or paid; ``status``; ``customer``;
- measures: ``requested`` and ``requested_amount`` (every request, cancelled
  ones too); ``approved`` and ``approved_amount`` (approved, paid since or
  not); ``paid`` and ``paid_amount``; ``rejected`` and ``rejected_amount``;
  ``paid_days`` (the days from request to payment, added up over the paid
  ones) and ``days_to_pay`` (their mean: paid_days / paid);
- filters: ``status``, ``customer`` (an id).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext_lazy as _

from balance.models import Withdrawal
from core.reporting import (
    CATEGORY,
    COUNT,
    DECIMAL,
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

ZERO = Decimal("0.00")
SOURCE_KEY = "withdrawals"
Status = Withdrawal.Status
STATES = {
    "requested": Q(),
    "approved": Q(status__in=[Status.APPROVED, Status.PAID]),
    "paid": Q(status=Status.PAID),
    "rejected": Q(status=Status.REJECTED),
}


status_labels = labels_from_choices(lambda: Status.choices)


def _count(condition: Q):
    return lambda: Count("id", filter=condition) if condition else Count("id")


def _amount(condition: Q):
    return lambda: Sum("amount", filter=condition or None, default=ZERO)


def paid_days_aggregate() -> Sum:
    """The time from request to payment, added up over the paid withdrawals (a
    duration; the engine reads it as days)."""
    return Sum(
        ExpressionWrapper(F("paid_at") - F("created_at"), output_field=DurationField()),
        filter=STATES["paid"],
    )


def days_to_pay_derive(figures: Mapping[str, Any]) -> Decimal | None:
    if not figures["paid"]:
        return None
    days = Decimal(figures["paid_days"]) / figures["paid"]
    return days.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def withdrawals_queryset(user) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.all()


def withdrawals_source() -> ReportSource:
    categories = (
        ReportDimension(
            "status",
            _("Status"),
            CATEGORY,
            expression=lambda: F("status"),
            labels=status_labels,
            order=10,
        ),
        ReportDimension(
            "customer",
            _("Customer"),
            CATEGORY,
            expression=lambda: F("customer_id"),
            labels=customer_labels,
            order=11,
        ),
    )
    labels = {
        "requested": (_("Requested"), _("Amount requested")),
        "approved": (_("Approved"), _("Amount approved")),
        "paid": (_("Paid"), _("Amount paid")),
        "rejected": (_("Rejected"), _("Amount rejected")),
    }
    measures: list[ReportMeasure] = []
    for index, (key, condition) in enumerate(STATES.items()):
        count_label, amount_label = labels[key]
        measures += [
            ReportMeasure(
                key, count_label, COUNT, aggregate=_count(condition), order=2 * index
            ),
            ReportMeasure(
                f"{key}_amount",
                amount_label,
                MONEY,
                aggregate=_amount(condition),
                order=2 * index + 1,
            ),
        ]
    measures += [
        ReportMeasure(
            "paid_days",
            _("Days waited for payment (added up)"),
            DECIMAL,
            aggregate=paid_days_aggregate,
            order=8,
        ),
        ReportMeasure(
            "days_to_pay",
            _("Days to pay (average)"),
            DECIMAL,
            derive=days_to_pay_derive,
            needs=("paid_days", "paid"),
            order=9,
        ),
    ]
    filters = (
        ReportFilter(
            "status",
            _("Status"),
            lambda rows, values: rows.filter(status__in=values),
            choices=lambda: list(Status.choices),
        ),
        ReportFilter(
            "customer",
            _("Customer"),
            lambda rows, values: rows.filter(customer_id__in=values),
            parse=id_parse,
        ),
    )
    return ReportSource(
        SOURCE_KEY,
        _("Withdrawals"),
        withdrawals_queryset,
        "created_at",
        dimensions=period_dimensions() + categories,
        measures=tuple(measures),
        filters=filters,
        permission="balance.view_withdrawal",
        default_measures=(
            "requested_amount",
            "approved_amount",
            "paid_amount",
            "rejected_amount",
            "days_to_pay",
        ),
        order=25,
    )


# Built once, so that registering it again (a second ready()) finds the same entry.
WITHDRAWALS_SOURCE = withdrawals_source()
