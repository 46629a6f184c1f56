"""A report request, checked: ``report_query_build`` turns what a person or a
command asked for into a ``ReportQuery``, or raises ``ReportQueryError`` naming
what is wrong (nothing is computed before the request is sound).

Dates are a half-open range ``[from, to)`` of local days in ``TIME_ZONE``, or a
relative preset (``PRESETS``) counted from today there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core import plugins
from core.input import business_date_check
from core.reporting import (
    CATEGORY,
    PERIOD,
    ReportDimension,
    ReportFilter,
    ReportMeasure,
    ReportSource,
)
from reports.periods import bucket_next, bucket_start, business_zone

# One or two dimensions: rows, or rows × columns.
MAX_DIMENSIONS = 2
PRESETS = ("this_month", "last_month", "last_30_days", "this_year", "last_year")


class ReportQueryError(ValueError):
    """A report request that cannot be computed; ``str()`` says why, in words,
    and ``field`` names the part of the request at fault ("source", "group_by",
    "measures", "filter", "from", "to", "period", "sort", "top", "rows")."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ReportQuery:
    """A sound report request. ``date_to`` is exclusive; ``sort`` is a dimension
    or measure key (``descending`` for the reverse order); ``top`` keeps that many
    values of the category dimension and folds the rest into "others"."""

    source: ReportSource
    dimensions: tuple[ReportDimension, ...]
    measures: tuple[ReportMeasure, ...]
    filters: tuple[tuple[ReportFilter, tuple[Any, ...]], ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sort: str = ""
    descending: bool = False
    top: int | None = None


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The ``[from, to)`` days of a relative preset, counted from ``today``."""
    if preset == "this_month":
        start = bucket_start(today, "month")
        return start, bucket_next(start, "month")
    if preset == "last_month":
        end = bucket_start(today, "month")
        return bucket_start(end - timedelta(days=1), "month"), end
    if preset == "last_30_days":
        return today - timedelta(days=29), today + timedelta(days=1)
    if preset == "this_year":
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    if preset == "last_year":
        return date(today.year - 1, 1, 1), date(today.year, 1, 1)
    raise ReportQueryError(
        _("Unknown period “%(period)s”: use one of %(presets)s.")
        % {"period": preset, "presets": ", ".join(PRESETS)},
        field="period",
    )


def _date(value: date | str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ReportQueryError(
                _("“%(text)s” is not a date (%(field)s): use YYYY-MM-DD.")
                % {"text": value, "field": field},
                field=field,
            ) from None
    try:
        return business_date_check(value)
    except ValidationError as error:
        raise ReportQueryError(" ".join(error.messages), field=field) from None


def _keys(values: Iterable[str] | str) -> list[str]:
    """Keys given as a list or as one comma-separated text, blanks dropped."""
    if isinstance(values, str):
        values = values.split(",")
    return [key.strip() for key in values if key and key.strip()]


def _source(key: str) -> ReportSource:
    source = plugins.report_sources.get(key)
    if source is None:
        known = ", ".join(s.key for s in plugins.report_sources) or _("none")
        raise ReportQueryError(
            _("Unknown report source “%(source)s”; the sources are: %(known)s.")
            % {"source": key, "known": known},
            field="source",
        )
    return source


def _dimensions(source: ReportSource, keys: list[str]) -> tuple[ReportDimension, ...]:
    if not keys or len(keys) > MAX_DIMENSIONS:
        raise ReportQueryError(
            _("Group by one or two dimensions (of %(known)s).")
            % {"known": ", ".join(d.key for d in source.dimensions)},
            field="group_by",
        )
    dimensions = []
    for key in keys:
        dimension = source.dimension(key)
        if dimension is None:
            raise ReportQueryError(
                _(
                    "Unknown dimension “%(key)s” of %(source)s; the dimensions are: "
                    "%(known)s."
                )
                % {
                    "key": key,
                    "source": source.key,
                    "known": ", ".join(d.key for d in source.dimensions),
                },
                field="group_by",
            )
        dimensions.append(dimension)
    if len(set(keys)) != len(keys):
        raise ReportQueryError(
            _("Group by two different dimensions."), field="group_by"
        )
    if [d.kind for d in dimensions].count(PERIOD) > 1:
        raise ReportQueryError(
            _("Group by one period at most (and a category next to it)."),
            field="group_by",
        )
    return tuple(dimensions)


def _measures(source: ReportSource, keys: list[str]) -> tuple[ReportMeasure, ...]:
    keys = keys or list(source.default_measures) or [source.measures[0].key]
    measures = []
    for key in keys:
        measure = source.measure(key)
        if measure is None:
            raise ReportQueryError(
                _(
                    "Unknown measure “%(key)s” of %(source)s; the measures are: "
                    "%(known)s."
                )
                % {
                    "key": key,
                    "source": source.key,
                    "known": ", ".join(m.key for m in source.measures),
                },
                field="measures",
            )
        if measure not in measures:
            measures.append(measure)
    return tuple(measures)


def _filter_value(report_filter: ReportFilter, text: str) -> Any:
    if report_filter.choices is not None:
        allowed = [value for value, _label in report_filter.choices()]
        if text not in allowed:
            raise ReportQueryError(
                _(
                    "“%(value)s” is not a value of the filter %(key)s: use one of "
                    "%(allowed)s."
                )
                % {
                    "value": text,
                    "key": report_filter.key,
                    "allowed": ", ".join(allowed),
                },
                field="filter",
            )
        return text
    if report_filter.parse is not None:
        try:
            return report_filter.parse(text)
        except (ValueError, ValidationError):
            raise ReportQueryError(
                _("“%(value)s” is not a value of the filter %(key)s.")
                % {"value": text, "key": report_filter.key},
                field="filter",
            ) from None
    return text


def _filters(
    source: ReportSource, given: Iterable[tuple[str, str]] | Iterable[str]
) -> tuple[tuple[ReportFilter, tuple[Any, ...]], ...]:
    """``key=value`` texts (or pairs), a key repeated or its values separated by
    commas for several values; the filters with a default and no value get it."""
    values: dict[str, list[Any]] = {}
    for item in given:
        if isinstance(item, str):
            key, sign, text = item.partition("=")
            if not sign:
                raise ReportQueryError(
                    _("Write the filter “%(item)s” as key=value.") % {"item": item},
                    field="filter",
                )
        else:
            key, text = item
        key = key.strip()
        report_filter = source.filter(key)
        if report_filter is None:
            raise ReportQueryError(
                _("Unknown filter “%(key)s” of %(source)s; the filters are: %(known)s.")
                % {
                    "key": key,
                    "source": source.key,
                    "known": ", ".join(f.key for f in source.filters) or _("none"),
                },
                field="filter",
            )
        for part in _keys(text):
            value = _filter_value(report_filter, part)
            if value not in values.setdefault(key, []):
                values[key].append(value)
        if not values.get(key):
            raise ReportQueryError(
                _("Give the filter %(key)s a value.") % {"key": key}, field="filter"
            )
    chosen = []
    for report_filter in source.filters:
        picked = values.get(report_filter.key) or [
            _filter_value(report_filter, text) for text in report_filter.default
        ]
        if picked:
            chosen.append((report_filter, tuple(picked)))
    return tuple(chosen)


def _sort(
    sort: str, dimensions: Sequence[ReportDimension], measures: Sequence[ReportMeasure]
) -> tuple[str, bool]:
    sort = (sort or "").strip()
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    known = [d.key for d in dimensions] + [m.key for m in measures]
    if key and key not in known:
        raise ReportQueryError(
            _(
                "Sort by a column of the report (%(known)s), “-” first for the "
                "reverse order; “%(key)s” is not one."
            )
            % {"known": ", ".join(known), "key": key},
            field="sort",
        )
    return key, descending


def _top(top: int | str | None, dimensions: Sequence[ReportDimension]) -> int | None:
    if top is None or top == "":
        return None
    try:
        number = int(str(top).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ReportQueryError(
            _("Top N takes a whole number of 1 or more, not “%(top)s”.") % {"top": top},
            field="top",
        )
    if not any(d.kind == CATEGORY for d in dimensions):
        raise ReportQueryError(
            _("Top N keeps the largest values of a category: group by one."),
            field="top",
        )
    return number


def report_query_build(
    *,
    source: str,
    group_by: Iterable[str] | str,
    measures: Iterable[str] | str = (),
    filters: Iterable[tuple[str, str]] | Iterable[str] = (),
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    period: str | None = None,
    sort: str = "",
    top: int | str | None = None,
    today: date | None = None,
) -> ReportQuery:
    """The request checked against the source's declarations; raises
    ``ReportQueryError`` at the first problem, naming it. ``today`` (in
    ``TIME_ZONE``, default now) anchors the presets."""
    report_source = _source(source)
    dimensions = _dimensions(report_source, _keys(group_by))
    chosen_measures = _measures(report_source, _keys(measures))
    chosen_filters = _filters(report_source, filters)
    start = _date(date_from, "from")
    end = _date(date_to, "to")
    if period:
        if start or end:
            raise ReportQueryError(
                _("Give either a period or from/to dates, not both."), field="period"
            )
        today = today or timezone.localdate(timezone=business_zone())
        start, end = preset_range(period.strip(), today)
    if start and end and start >= end:
        raise ReportQueryError(
            _(
                "The start date (%(start)s) must be before the end date (%(end)s): "
                "the range is [from, to), the end day left out."
            )
            % {"start": start.isoformat(), "end": end.isoformat()},
            field="to",
        )
    sort_key, descending = _sort(sort, dimensions, chosen_measures)
    return ReportQuery(
        source=report_source,
        dimensions=dimensions,
        measures=chosen_measures,
        filters=chosen_filters,
        date_from=start,
        date_to=end,
        sort=sort_key,
        descending=descending,
        top=_top(top, dimensions),
    )
