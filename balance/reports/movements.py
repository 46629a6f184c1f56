"""The reports engine's ``balance.movements`` source: the ledger's entries.

Registered from ``BalanceConfig.ready()`` (``balance.reports.register``) in
``core.plugins.report_sources``; the ``reports`` app computes it without
importing this app.

- dimensions: ``day`` ... ``year`` of ``created_at`` in ``TIME_ZONE``; ``kind``
  (operation type); ``customer``; ``author`` (staff, customer, system, or
  automation: a funnel's entries, posted as the system "Automation");
- measures: ``count``; ``credits`` and ``debits`` (both positive sums: what came
  in, what went out); ``net`` (credits - debits, the signed sum); ``average``
  (net / count, the mean signed amount); ``opening`` and ``closing``, the
  balance before and after each period (opening + net = closing; with no end
  date, the last closing is the sum of all customers' balances);
- filters: ``reversed`` (``exclude``, the default: a deleted operation and its
  reversal are left out, as on the dashboard's widget; ``include``), ``kind``,
  ``author``, ``customer`` (an id).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Abs
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from balance.models import Entry, SourceType
from balance.selectors import entries_standing
from balance.widgets_staff import DASHBOARD_PRESET
from core.reporting import (
    CATEGORY,
    CLOSING,
    COUNT,
    MONEY,
    OPENING,
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
SOURCE_KEY = "balance.movements"
AUTOMATION = "automation"
REVERSED_EXCLUDE = "exclude"
REVERSED_INCLUDE = "include"


def author_group() -> Case:
    """Who made an entry, as the report groups it: a funnel's entries (kind
    "automation", or posted for a funnel step) are "automation", else the entry's
    author kind (staff, customer, system)."""
    return Case(
        When(
            Q(kind=Entry.Kind.AUTOMATION) | Q(source_type=SourceType.FUNNEL_STEP),
            then=Value(AUTOMATION),
        ),
        default=F("author_kind"),
        output_field=CharField(),
    )


def author_choices() -> list[tuple[str, Any]]:
    return [
        (Entry.AuthorKind.STAFF.value, Entry.AuthorKind.STAFF.label),
        (Entry.AuthorKind.CUSTOMER.value, Entry.AuthorKind.CUSTOMER.label),
        (Entry.AuthorKind.SYSTEM.value, Entry.AuthorKind.SYSTEM.label),
        (AUTOMATION, pgettext_lazy("entry author", "Automation")),
    ]


kind_labels = labels_from_choices(lambda: Entry.Kind.choices)


author_labels = labels_from_choices(author_choices)


def reversed_apply(rows: QuerySet, values: tuple[Any, ...]) -> QuerySet:
    if REVERSED_INCLUDE in values:
        return rows
    return entries_standing(rows)


def reversed_describe(values: tuple[Any, ...]) -> Any:
    if REVERSED_INCLUDE in values:
        return _("Deleted operations and their reversals are included.")
    return _("Deleted operations and their reversals are left out.")


def average_derive(figures: Mapping[str, Any]) -> Decimal | None:
    if not figures["count"]:
        return None
    return figures["net"] / figures["count"]


def movements_queryset(user) -> QuerySet[Entry]:
    return Entry.objects.all()


def movements_source() -> ReportSource:
    periods = period_dimensions()
    categories = (
        ReportDimension(
            "kind",
            _("Operation type"),
            CATEGORY,
            expression=lambda: F("kind"),
            labels=kind_labels,
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
        ReportDimension(
            "author",
            _("Made by"),
            CATEGORY,
            expression=author_group,
            labels=author_labels,
            order=12,
        ),
    )
    measures = (
        ReportMeasure(
            "count", _("Operations"), COUNT, aggregate=lambda: Count("id"), order=0
        ),
        ReportMeasure(
            "credits",
            _("Credits"),
            MONEY,
            aggregate=lambda: Sum("amount", filter=Q(amount__gt=0), default=ZERO),
            order=1,
        ),
        ReportMeasure(
            "debits",
            _("Debits"),
            MONEY,
            aggregate=lambda: Sum(Abs("amount"), filter=Q(amount__lt=0), default=ZERO),
            order=2,
        ),
        ReportMeasure(
            "net",
            _("Net"),
            MONEY,
            aggregate=lambda: Sum("amount", default=ZERO),
            order=3,
        ),
        ReportMeasure(
            "average",
            _("Average amount"),
            MONEY,
            derive=average_derive,
            needs=("net", "count"),
            order=4,
        ),
        ReportMeasure(
            "opening", _("Opening balance"), MONEY, running=OPENING, of="net", order=5
        ),
        ReportMeasure(
            "closing", _("Closing balance"), MONEY, running=CLOSING, of="net", order=6
        ),
    )
    filters = (
        ReportFilter(
            "reversed",
            _("Deleted operations"),
            reversed_apply,
            choices=lambda: [
                (REVERSED_EXCLUDE, _("Leave out with their reversals")),
                (REVERSED_INCLUDE, _("Include with their reversals")),
            ],
            default=(REVERSED_EXCLUDE,),
            describe=reversed_describe,
        ),
        ReportFilter(
            "kind",
            _("Operation type"),
            lambda rows, values: rows.filter(kind__in=values),
            choices=lambda: list(Entry.Kind.choices),
        ),
        ReportFilter(
            "author",
            _("Made by"),
            lambda rows, values: rows.alias(author_group=author_group()).filter(
                author_group__in=values
            ),
            choices=author_choices,
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
        _("Balance movements"),
        movements_queryset,
        "created_at",
        dimensions=periods + categories,
        measures=measures,
        filters=filters,
        permission="balance.view_entry",
        default_measures=("count", "credits", "debits", "net"),
        order=20,
        presets=(DASHBOARD_PRESET,),
    )


# Built once, so that registering it again (a second ready()) finds the same entry.
MOVEMENTS_SOURCE = movements_source()
