"""The reports engine's ``expirations`` source: services by expiry date.

Registered from ``ExpirationsConfig.ready()`` in ``core.plugins.report_sources``;
the ``reports`` app computes it without importing this app. The expirations
report (the staff menu's entry, ``/staff/expirations/report/`` and its CSV and
PDF) is its preset ``REPORT_PRESET`` on the report builder.

- dimensions: ``day`` ... ``year`` of the expiry date (a local day; grouped by
  month over the months to come, it is what expires per month ahead);
  ``state`` on today (as ``Expiration.state_on`` reads it); ``product`` (none for
  a free-text item); ``provenance``; ``customer``;
- measures: ``count`` and ``amount``; ``active`` and ``active_amount`` (not
  cancelled and not yet expired); ``ended`` and ``ended_amount`` (expired or
  cancelled);
- filters: the date range is the expiry range; ``start_from`` and
  ``start_to`` give the start range, ``[from, to)`` like the dates; ``state``,
  ``product`` and ``provenance`` (ids).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, F, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core import plugins
from core.input import business_date_check
from core.reporting import (
    COUNT,
    MONEY,
    ReportFilter,
    ReportMeasure,
    ReportPreset,
    ReportSource,
    category_dimension,
    id_parse,
    labels_from_choices,
    labels_of_rows,
    period_dimensions,
)
from customers.reports import customer_labels
from expirations.models import Expiration, ExpirationSettings, Provenance
from expirations.selectors import ended_condition, state_condition
from selling.models import Product

ZERO = Decimal("0.00")
SOURCE_KEY = "expirations"
# The order a state is told in: the first condition that holds wins.
STATES = (
    Expiration.State.CANCELLED,
    Expiration.State.EXPIRED,
    Expiration.State.EXPIRING_SOON,
    Expiration.State.RENEWED,
    Expiration.State.ACTIVE,
)


def today() -> date:
    """The day states and "active" are read on (a function, so tests set it)."""
    return timezone.localdate()


def state_group() -> Case:
    """Each expiration's state on today, as the report page and the card show it."""
    day, soon_days = today(), ExpirationSettings.load().quick_renew_days
    return Case(
        *[
            When(
                state_condition(state, today=day, soon_days=soon_days),
                then=Value(state.value),
            )
            for state in STATES
        ],
        output_field=CharField(),
    )


state_labels = labels_from_choices(lambda: Expiration.State.choices)


product_labels = labels_of_rows(Product.objects.all, "name")


provenance_labels = labels_of_rows(Provenance.objects.all, "name")


def day_parse(text: str) -> date:
    return business_date_check(date.fromisoformat(text.strip()))


def state_apply(rows: QuerySet, values: tuple[Any, ...]) -> QuerySet:
    return rows.alias(report_state=state_group()).filter(report_state__in=values)


def start_from_describe(values: tuple[Any, ...]) -> Any:
    return _("Started on %(day)s or later.") % {
        "day": date_format(max(values), "SHORT_DATE_FORMAT")
    }


def start_to_describe(values: tuple[Any, ...]) -> Any:
    return _("Started before %(day)s.") % {
        "day": date_format(min(values), "SHORT_DATE_FORMAT")
    }


def expirations_queryset(user) -> QuerySet[Expiration]:
    return Expiration.objects.all()


def expirations_source() -> ReportSource:
    categories = (
        category_dimension("state", _("State"), state_group, state_labels, 10),
        category_dimension(
            "product", _("Product"), lambda: F("product_id"), product_labels, 11
        ),
        category_dimension(
            "provenance",
            _("Provenance"),
            lambda: F("provenance_id"),
            provenance_labels,
            12,
        ),
        category_dimension(
            "customer", _("Customer"), lambda: F("customer_id"), customer_labels, 13
        ),
    )
    measures = (
        ReportMeasure(
            "count", _("Expirations"), COUNT, aggregate=lambda: Count("id"), order=0
        ),
        ReportMeasure(
            "amount",
            _("Amount"),
            MONEY,
            aggregate=lambda: Sum("amount", default=ZERO),
            order=1,
        ),
        ReportMeasure(
            "active",
            _("Active"),
            COUNT,
            aggregate=lambda: Count("id", filter=~ended_condition(today())),
            order=2,
        ),
        ReportMeasure(
            "active_amount",
            _("Amount active"),
            MONEY,
            aggregate=lambda: Sum(
                "amount", filter=~ended_condition(today()), default=ZERO
            ),
            order=3,
        ),
        ReportMeasure(
            "ended",
            _("Ended"),
            COUNT,
            aggregate=lambda: Count("id", filter=ended_condition(today())),
            order=4,
        ),
        ReportMeasure(
            "ended_amount",
            _("Amount ended"),
            MONEY,
            aggregate=lambda: Sum(
                "amount", filter=ended_condition(today()), default=ZERO
            ),
            order=5,
        ),
    )
    filters = (
        ReportFilter(
            "start_from",
            _("Started from"),
            lambda rows, values: rows.filter(start_date__gte=max(values)),
            parse=day_parse,
            describe=start_from_describe,
        ),
        ReportFilter(
            "start_to",
            _("Started before"),
            lambda rows, values: rows.filter(start_date__lt=min(values)),
            parse=day_parse,
            describe=start_to_describe,
        ),
        ReportFilter(
            "state",
            _("State"),
            state_apply,
            choices=lambda: list(Expiration.State.choices),
        ),
        ReportFilter(
            "product",
            _("Product"),
            lambda rows, values: rows.filter(product_id__in=values),
            parse=id_parse,
        ),
        ReportFilter(
            "provenance",
            _("Provenance"),
            lambda rows, values: rows.filter(provenance_id__in=values),
            parse=id_parse,
        ),
    )
    return ReportSource(
        SOURCE_KEY,
        _("Expirations"),
        expirations_queryset,
        "expiry_date",
        dimensions=period_dimensions() + categories,
        measures=measures,
        filters=filters,
        permission="expirations.view_expiration",
        default_measures=("count", "amount", "active_amount", "ended_amount"),
        order=40,
        moment_is_date=True,
        presets=(REPORT_PRESET,),
    )


# The expirations report (the staff menu's "Expirations report", the old
# /staff/expirations/report/ and its exports): what expires per month, every
# measure; the old page's filters narrow it (``expirations.views.staff.report``).
REPORT_PRESET = ReportPreset(
    "report",
    _("Expirations report"),
    {
        "rows": ["month"],
        "measures": [
            "count",
            "amount",
            "active",
            "active_amount",
            "ended",
            "ended_amount",
        ],
        "chart": ["bar"],
    },
)

# Built once, so that registering it again (a second ready()) finds the same entry.
EXPIRATIONS_SOURCE = expirations_source()


def register() -> None:
    plugins.report_sources.register(EXPIRATIONS_SOURCE)
