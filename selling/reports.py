"""The reports engine's ``orders`` source: what paid orders sold.

Registered from ``SellingConfig.ready()`` in ``core.plugins.report_sources``;
the ``reports`` app computes it without importing this app.

The rows are the lines of the orders that were paid (paid, or paid and later
refunded), so that a product's figures are its own lines' figures.

- dimensions: ``day`` ... ``year`` of the order's ``paid_at`` in ``TIME_ZONE``;
  ``product``; ``status`` (``paid`` or ``refunded``); ``payment_method``;
  ``customer``;
- measures: ``orders`` (paid orders: an order with two products counts once in
  each product's row); ``quantity``; ``revenue`` (the line totals: what was
  sold, whatever paid it); ``average`` (revenue / orders); ``balance`` (the part
  paid with the customer's balance; an order's balance part is shared out among
  its lines in proportion to their totals); ``other_means`` (revenue - balance);
  ``refunded`` (those orders refunded since) and ``refunds`` (their revenue);
- filters: ``status``, ``product`` (an id), ``payment_method``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Sum,
    When,
)
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
    labels_of_rows,
    period_dimensions,
)
from customers.reports import customer_labels
from selling.models import Order, OrderLine, Product

ZERO = Decimal("0.00")
SOURCE_KEY = "orders"
REFUNDED = Q(order__status=Order.Status.REFUNDED)


def status_choices() -> list[tuple[str, Any]]:
    labels = dict(Order.Status.choices)
    return [
        (Order.Status.PAID.value, labels[Order.Status.PAID]),
        (Order.Status.REFUNDED.value, labels[Order.Status.REFUNDED]),
    ]


status_labels = labels_from_choices(lambda: Order.Status.choices)


product_labels = labels_of_rows(Product.objects.all, "name")


class _Real(Func):
    """The amount as is; on SQLite, times 1.0: its NUMERIC columns keep whole
    amounts (30.00) as integers, and 30 * 10 / 70 would be an integer division."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s * 1.0)", **extra_context
        )


SHARE_FIELD: DecimalField = DecimalField(max_digits=30, decimal_places=10)


def balance_share() -> Sum:
    """The balance part of each line: the order's balance discount times the
    line's part of the subtotal (exact for a one-line order; the lines of an
    order add up to its discount)."""
    share = Case(
        When(
            order__subtotal__gt=0,
            then=ExpressionWrapper(
                _Real(F("line_total"), output_field=SHARE_FIELD)
                * F("order__balance_discount")
                / F("order__subtotal"),
                output_field=SHARE_FIELD,
            ),
        ),
        default=ZERO,
        output_field=SHARE_FIELD,
    )
    return Sum(share, default=ZERO)


def average_derive(figures: Mapping[str, Any]) -> Decimal | None:
    if not figures["orders"]:
        return None
    return figures["revenue"] / figures["orders"]


def other_means_derive(figures: Mapping[str, Any]) -> Decimal:
    return figures["revenue"] - figures["balance"]


def orders_queryset(user) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(
        order__paid_at__isnull=False,
        order__status__in=[Order.Status.PAID, Order.Status.REFUNDED],
    )


def orders_source() -> ReportSource:
    categories = (
        ReportDimension(
            "product",
            _("Product"),
            CATEGORY,
            expression=lambda: F("product_id"),
            labels=product_labels,
            order=10,
        ),
        ReportDimension(
            "status",
            _("Status"),
            CATEGORY,
            expression=lambda: F("order__status"),
            labels=status_labels,
            order=11,
        ),
        ReportDimension(
            "payment_method",
            _("Payment method"),
            CATEGORY,
            expression=lambda: F("order__payment_method"),
            order=12,
        ),
        ReportDimension(
            "customer",
            _("Customer"),
            CATEGORY,
            expression=lambda: F("order__customer_id"),
            labels=customer_labels,
            order=13,
        ),
    )
    measures = (
        ReportMeasure(
            "orders",
            _("Paid orders"),
            COUNT,
            aggregate=lambda: Count("order_id", distinct=True),
            order=0,
        ),
        ReportMeasure(
            "quantity",
            _("Quantity"),
            COUNT,
            aggregate=lambda: Sum("quantity", default=0),
            order=1,
        ),
        ReportMeasure(
            "revenue",
            _("Revenue"),
            MONEY,
            aggregate=lambda: Sum("line_total", default=ZERO),
            order=2,
        ),
        ReportMeasure(
            "average",
            _("Average order"),
            MONEY,
            derive=average_derive,
            needs=("revenue", "orders"),
            order=3,
        ),
        ReportMeasure(
            "balance",
            _("Paid with the balance"),
            MONEY,
            aggregate=balance_share,
            order=4,
        ),
        ReportMeasure(
            "other_means",
            _("Paid by other means"),
            MONEY,
            derive=other_means_derive,
            needs=("revenue", "balance"),
            order=5,
        ),
        ReportMeasure(
            "refunded",
            _("Refunded orders"),
            COUNT,
            aggregate=lambda: Count("order_id", distinct=True, filter=REFUNDED),
            order=6,
        ),
        ReportMeasure(
            "refunds",
            _("Refunds"),
            MONEY,
            aggregate=lambda: Sum("line_total", filter=REFUNDED, default=ZERO),
            order=7,
        ),
    )
    filters = (
        ReportFilter(
            "status",
            _("Status"),
            lambda rows, values: rows.filter(order__status__in=values),
            choices=status_choices,
        ),
        ReportFilter(
            "product",
            _("Product"),
            lambda rows, values: rows.filter(product_id__in=values),
            parse=id_parse,
        ),
        ReportFilter(
            "payment_method",
            _("Payment method"),
            lambda rows, values: rows.filter(order__payment_method__in=values),
        ),
    )
    return ReportSource(
        SOURCE_KEY,
        _("Paid orders"),
        orders_queryset,
        "order__paid_at",
        dimensions=period_dimensions() + categories,
        measures=measures,
        filters=filters,
        permission="selling.view_order",
        default_measures=("orders", "revenue", "average", "balance", "refunds"),
        order=30,
    )


# Built once, so that registering it again (a second ready()) finds the same entry.
ORDERS_SOURCE = orders_source()


def register() -> None:
    plugins.report_sources.register(ORDERS_SOURCE)
