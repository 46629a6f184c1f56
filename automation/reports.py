"""The reports engine's ``automation.funnels`` source: funnel enrolments.

Registered from ``AutomationConfig.ready()`` in
``core.plugins.report_sources``; the ``reports`` app computes it without
importing this app. The rows are real runs (test runs left out).

- dimensions: ``day`` ... ``year`` of ``entered_at`` in ``TIME_ZONE``: a run
  counts in the period it entered, whenever it completed or converted (a
  cohort); ``funnel``; ``state`` (active, completed, exited, cancelled);
- measures: ``entered`` (runs); ``completed`` (ran to the end); ``converted``
  (reached the funnel's goal); ``conversion`` (converted / entered, in %);
- filters: ``funnel`` (an id), ``state``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from automation.models import Funnel, Run
from core import plugins
from core.reporting import (
    CATEGORY,
    COUNT,
    DECIMAL,
    ReportDimension,
    ReportFilter,
    ReportMeasure,
    ReportSource,
    id_parse,
    labels_from_choices,
    labels_of_rows,
    period_dimensions,
)

SOURCE_KEY = "automation.funnels"


funnel_labels = labels_of_rows(Funnel.objects.all, "name")


state_labels = labels_from_choices(lambda: Run.State.choices)


def conversion_derive(figures: Mapping[str, Any]) -> Decimal | None:
    if not figures["entered"]:
        return None
    rate = Decimal(100 * figures["converted"]) / figures["entered"]
    return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def runs_queryset(user) -> QuerySet[Run]:
    return Run.objects.filter(is_test=False)


def funnels_source() -> ReportSource:
    categories = (
        ReportDimension(
            "funnel",
            _("Funnel"),
            CATEGORY,
            expression=lambda: F("funnel_id"),
            labels=funnel_labels,
            order=10,
        ),
        ReportDimension(
            "state",
            _("State"),
            CATEGORY,
            expression=lambda: F("state"),
            labels=state_labels,
            order=11,
        ),
    )
    measures = (
        ReportMeasure(
            "entered", _("Entered"), COUNT, aggregate=lambda: Count("id"), order=0
        ),
        ReportMeasure(
            "completed",
            _("Completed"),
            COUNT,
            aggregate=lambda: Count("id", filter=Q(state=Run.State.COMPLETED)),
            order=1,
        ),
        ReportMeasure(
            "converted",
            _("Converted"),
            COUNT,
            aggregate=lambda: Count("id", filter=Q(converted_at__isnull=False)),
            order=2,
        ),
        ReportMeasure(
            "conversion",
            _("Conversion (%)"),
            DECIMAL,
            derive=conversion_derive,
            needs=("converted", "entered"),
            order=3,
        ),
    )
    filters = (
        ReportFilter(
            "funnel",
            _("Funnel"),
            lambda rows, values: rows.filter(funnel_id__in=values),
            parse=id_parse,
        ),
        ReportFilter(
            "state",
            _("State"),
            lambda rows, values: rows.filter(state__in=values),
            choices=lambda: list(Run.State.choices),
        ),
    )
    return ReportSource(
        SOURCE_KEY,
        _("Funnels"),
        runs_queryset,
        "entered_at",
        dimensions=period_dimensions() + categories,
        measures=measures,
        filters=filters,
        permission=("automation.view_funnel", "automation.view_run"),
        default_measures=("entered", "completed", "converted", "conversion"),
        order=50,
    )


# Built once, so that registering it again (a second ready()) finds the same entry.
FUNNELS_SOURCE = funnels_source()


def register() -> None:
    plugins.report_sources.register(FUNNELS_SOURCE)
