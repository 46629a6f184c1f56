"""What a report source declares: its dimensions, measures and filters.

The app that owns the data registers a ``ReportSource`` in
``core.plugins.report_sources`` from its ``AppConfig.ready()``; the ``reports`` app
validates a request against it (``reports.query``) and computes it with the ORM
(``reports.selectors``), never importing the app. Everything here is declarative:
ORM expressions built on demand, labels (translatable), and small functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django.db.models import QuerySet

# ReportDimension.kind
PERIOD = "period"
CATEGORY = "category"
# ReportDimension.grain of a period dimension, finest first.
GRAINS = ("day", "week", "month", "quarter", "year")
# ReportMeasure.kind
MONEY = "money"
COUNT = "count"
DECIMAL = "decimal"
# ReportMeasure.running
OPENING = "opening"
CLOSING = "closing"


@dataclass(frozen=True)
class ReportDimension:
    """Something rows are grouped by.

    A ``"period"`` dimension buckets the source's ``moment`` by ``grain`` (day,
    week, month, quarter or year, in ``TIME_ZONE``); its buckets are zero-filled.
    A ``"category"`` dimension groups by ``expression()`` (an ORM expression such
    as ``F("kind")``); ``labels(values)`` names the values found (one query at
    most, for all of them), else the value itself is shown.
    """

    key: str
    label: Any
    kind: str
    grain: str = ""
    expression: Callable[[], Any] | None = None
    labels: Callable[[Iterable[Any]], Mapping[Any, Any]] | None = None
    order: int = 100


@dataclass(frozen=True)
class ReportMeasure:
    """A figure computed for each row, the "others" row and the totals.

    Exactly one of:

    - ``aggregate()``: an additive ORM aggregate (``Sum``, ``Count``); rows fold
      into "others" and the totals by adding them up;
    - ``derive(figures)``: computed from other measures' figures (``needs``, e.g.
      an average is ``net / count``), so that it stays right for "others" and the
      totals; ``None`` when it has no value (no rows);
    - ``running`` ("opening" or "closing") of the additive measure ``of``: the
      running total before (opening) and at the end of (closing) each period, so
      that opening + ``of`` = closing, and the first opening counts everything
      before the report's start.
    """

    key: str
    label: Any
    kind: str
    aggregate: Callable[[], Any] | None = None
    derive: Callable[[Mapping[str, Any]], Any] | None = None
    needs: tuple[str, ...] = ()
    running: str = ""
    of: str = ""
    order: int = 100


@dataclass(frozen=True)
class ReportFilter:
    """A filter a report request may give as ``key=value`` (repeated for several).

    ``choices()`` lists the allowed values and their labels, or ``parse(text)``
    turns a typed value into the one ``apply`` takes (raising ``ValueError`` or
    ``ValidationError`` for bad input). ``apply(rows, values)`` narrows the
    queryset to the values (a tuple). ``default`` is applied when the request
    gives the filter no value; ``describe(values)`` says in words what the report
    then shows (the totals carry it: "deleted operations left out").
    """

    key: str
    label: Any
    apply: Callable[[QuerySet, tuple[Any, ...]], QuerySet]
    choices: Callable[[], Sequence[tuple[str, Any]]] | None = None
    parse: Callable[[str], Any] | None = None
    default: tuple[str, ...] = ()
    describe: Callable[[tuple[Any, ...]], Any] | None = None
    order: int = 100


@dataclass(frozen=True)
class ReportPreset:
    """A report its source's app offers ready-made, as the builder's ``choices``
    (each form field's values, as the query string has them: ``{"rows":
    ["month"], "period": ["this_year"]}``).

    ``dashboard``: a built-in saved report, shared with all staff and pinned by
    default to the dashboard of every staff member who may see the source (each
    may unpin it). ``extra_template`` and ``extra_context(request)`` (a dict, or
    ``None`` for nothing) are a small part the dashboard shows under it (the
    balance's recent operations). The reports app creates the saved report on
    first use, named ``label`` in the default language.
    """

    key: str
    label: Any
    choices: Mapping[str, Sequence[str]]
    dashboard: bool = False
    extra_template: str = ""
    extra_context: Callable[[Any], dict | None] | None = None


@dataclass(frozen=True)
class ReportSource:
    """Rows a report can be built on, e.g. ``"balance.movements"`` (ledger entries).

    ``queryset(user)`` gives the rows the user may see (``user`` is ``None`` for a
    shell command); ``moment`` names their date-time field (the date range and the
    period dimensions use it). ``permission`` is one "app_label.codename" or a
    tuple of them, all needed. ``default_measures`` are shown when the request
    names none. ``moment_is_date``: ``moment`` is a ``DateField`` (an expiry
    date), already a local day, so it is bucketed and ranged as a date, with no
    time zone.
    """

    key: str
    label: Any
    queryset: Callable[[Any], QuerySet]
    moment: str
    dimensions: tuple[ReportDimension, ...]
    measures: tuple[ReportMeasure, ...]
    filters: tuple[ReportFilter, ...] = ()
    permission: str | tuple[str, ...] | None = None
    default_measures: tuple[str, ...] = ()
    order: int = 100
    moment_is_date: bool = False
    presets: tuple[ReportPreset, ...] = ()

    def preset(self, key: str) -> ReportPreset | None:
        return next((p for p in self.presets if p.key == key), None)

    def dimension(self, key: str) -> ReportDimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def measure(self, key: str) -> ReportMeasure | None:
        return next((m for m in self.measures if m.key == key), None)

    def filter(self, key: str) -> ReportFilter | None:
        return next((f for f in self.filters if f.key == key), None)

    def allowed(self, user) -> bool:
        """Whether ``user`` may see this source (``None``: the shell, may)."""
        if user is None or not self.permission:
            return True
        if isinstance(self.permission, str):
            return user.has_perm(self.permission)
        return user.has_perms(self.permission)


PERIOD_LABELS = {
    "day": pgettext_lazy("report period", "Day"),
    "week": pgettext_lazy("report period", "Week"),
    "month": pgettext_lazy("report period", "Month"),
    "quarter": pgettext_lazy("report period", "Quarter"),
    "year": pgettext_lazy("report period", "Year"),
}


def period_dimensions() -> tuple[ReportDimension, ...]:
    """The five period dimensions every source offers: ``day``, ``week``,
    ``month``, ``quarter`` and ``year`` of its ``moment`` in ``TIME_ZONE``, in
    that order (``order`` 0 to 4, before the categories)."""
    return tuple(
        ReportDimension(grain, PERIOD_LABELS[grain], PERIOD, grain=grain, order=index)
        for index, grain in enumerate(GRAINS)
    )


# Small pieces the sources share: how a category names its values, and how a
# filter reads a row's id.

Labels = Callable[[Iterable[Any]], Mapping[Any, Any]]


def labels_from_choices(choices: Callable[[], Iterable[tuple[Any, Any]]]) -> Labels:
    """``labels`` for a category whose values are choices (``choices()`` is asked
    each time, so lazy labels follow the language); an unknown value is itself."""

    def labels(values: Iterable[Any]) -> Mapping[Any, Any]:
        known = dict(choices())
        return {value: known.get(value, value) for value in values}

    return labels


def labels_of_rows(
    queryset: Callable[[], QuerySet], field: str | None = None
) -> Labels:
    """``labels`` for a category whose values are primary keys: each row's
    ``field``, or its ``str()`` when no field is given, in one query for all."""

    def labels(values: Iterable[Any]) -> Mapping[Any, Any]:
        rows = queryset().filter(pk__in=list(values))
        if field is not None:
            return dict(rows.values_list("pk", field))
        return {row.pk: str(row) for row in rows}

    return labels


def id_parse(text: str) -> int:
    """A filter's id as typed: a whole number from 1 (``ValueError`` otherwise)."""
    number = int(text.strip())
    if number < 1:
        raise ValueError(text)
    return number


def category_dimension(
    key: str,
    label: Any,
    expression: Callable[[], Any],
    labels: Labels | None = None,
    order: int = 10,
) -> ReportDimension:
    """A category dimension: rows grouped by ``expression``'s values."""
    return ReportDimension(
        key, label, CATEGORY, expression=expression, labels=labels, order=order
    )
