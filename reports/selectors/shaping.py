"""From the grouped figures to a ``ReportResult``: derived measures, top N with
"others", labels, sorting and the totals (no query but the labels' own)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.money import quantize
from core.reporting import CATEGORY, COUNT, MONEY, OPENING, PERIOD, ReportMeasure
from reports.periods import bucket_label
from reports.query import ReportQuery
from reports.selectors.results import (
    DATA,
    OTHERS,
    OTHERS_KEY,
    TOTAL,
    TOTAL_KEY,
    ReportColumn,
    ReportResult,
    ReportRow,
)

# A row's dimension values, in the query's order of dimensions.
Key = tuple[Any, ...]


def zero(measure: ReportMeasure) -> Any:
    return 0 if measure.kind == COUNT else Decimal("0.00")


def _combine(
    query: ReportQuery,
    keys: list[Key],
    figures: Mapping[Key, Mapping[str, Any]],
    period_index: int | None,
) -> dict[str, Any]:
    """The figures of several rows taken as one ("others", a total): additive
    ones added up, derived ones computed again from those, an opening the sum of
    the first period's, a closing the sum of the last period's."""
    source = query.source
    combined: dict[str, Any] = {}
    if not keys:
        return combined
    names = set(figures[keys[0]])
    for name in names:
        measure = source.measure(name)
        if measure is None or measure.running:
            continue
        combined[name] = sum((figures[key][name] for key in keys), zero(measure))
    for measure in query.measures:
        if not measure.running:
            continue
        if period_index is None:
            picked = keys
        else:
            periods = [key[period_index] for key in keys]
            edge = min(periods) if measure.running == OPENING else max(periods)
            picked = [key for key in keys if key[period_index] == edge]
        combined[measure.key] = sum(
            (figures[key][measure.key] for key in picked), Decimal("0.00")
        )
    return combined


def _derived(query: ReportQuery, values: Mapping[str, Any]) -> dict[str, Any]:
    """The asked-for measures of a row, derived ones computed from ``values``."""
    shown = {}
    for measure in query.measures:
        if measure.derive is not None:
            value = measure.derive(values)
        else:
            value = values[measure.key]
        if isinstance(value, Decimal) and measure.kind == MONEY:
            value = quantize(value)
        shown[measure.key] = value
    return shown


def result_build(
    query: ReportQuery,
    keys: list[Key],
    figures: dict[Key, dict[str, Any]],
    period_index: int | None,
    grain: str,
    *,
    folded: bool = False,
) -> ReportResult:
    """``folded``: the top N was taken by the database (``compute._top_compute``),
    and the key ``(OTHERS_KEY,)``, if there, is the rest added up."""
    dimensions = query.dimensions
    groups: list[tuple[Key, list[Key], str]] = [(key, [key], DATA) for key in keys]
    if folded:
        groups = [
            (key, [key], OTHERS if key == (OTHERS_KEY,) else DATA) for key in keys
        ]
    elif query.top:
        groups = _top_fold(query, keys, figures, period_index)
    labels = _labels(query, [key for key, _members, _kind in groups])

    rows = []
    for key, members, kind in groups:
        values = (
            figures[key]
            if kind == DATA
            else _combine(query, members, figures, period_index)
        )
        row_values: dict[str, Any] = {}
        row_labels: dict[str, str] = {}
        for index, dimension in enumerate(dimensions):
            value = key[index]
            row_values[dimension.key] = value
            if index == period_index:
                row_labels[dimension.key] = bucket_label(value, grain)
            elif kind == OTHERS and value == OTHERS_KEY:
                row_labels[dimension.key] = _("Others")
            else:
                row_labels[dimension.key] = labels[index].get(value, _label(value))
        row_values.update(_derived(query, values))
        rows.append(ReportRow(row_values, row_labels, kind))
    _sort(query, rows)

    notes = [
        str(report_filter.describe(values))
        for report_filter, values in query.filters
        if report_filter.describe is not None
    ]
    total_values: dict[str, Any] = {d.key: None for d in dimensions}
    total_values[dimensions[0].key] = TOTAL_KEY
    if keys:
        combined = _combine(query, keys, figures, period_index)
        total_values.update(_derived(query, combined))
    else:
        total_values.update(
            {m.key: (None if m.derive else zero(m)) for m in query.measures}
        )
    total_labels = {d.key: "" for d in dimensions}
    total_labels[dimensions[0].key] = _("Total")
    totals = ReportRow(total_values, total_labels, TOTAL)

    columns = [
        ReportColumn(d.key, d.label, d.kind, d.grain, is_dimension=True)
        for d in dimensions
    ] + [ReportColumn(m.key, m.label, m.kind) for m in query.measures]
    return ReportResult(query, columns, rows, totals, notes)


def _label(value: Any) -> str:
    return _("(none)") if value is None or value == "" else str(value)


def _labels(query: ReportQuery, keys: Iterable[Key]) -> list[Mapping[Any, Any]]:
    """Per dimension, the labels of the values shown (one call, so one query at
    most, per category dimension that has a ``labels`` function)."""
    keys = list(keys)
    found: list[Mapping[Any, Any]] = []
    for index, dimension in enumerate(query.dimensions):
        if dimension.kind != CATEGORY or dimension.labels is None:
            found.append({})
            continue
        values = {key[index] for key in keys} - {OTHERS_KEY, None}
        found.append(
            {value: str(label) for value, label in dimension.labels(values).items()}
            if values
            else {}
        )
    return found


def _top_fold(
    query: ReportQuery,
    keys: list[Key],
    figures: Mapping[Key, Mapping[str, Any]],
    period_index: int | None,
) -> list[tuple[Key, list[Key], str]]:
    """The rows of the ``top`` largest values of the (first) category dimension
    by the sort measure (else the first measure), the rest folded into an
    "others" row per value of the other dimension."""
    index = next(i for i, d in enumerate(query.dimensions) if d.kind == CATEGORY)
    measure_keys = [m.key for m in query.measures]
    rank_by = query.sort if query.sort in measure_keys else measure_keys[0]
    members: dict[Any, list[Key]] = {}
    for key in keys:
        members.setdefault(key[index], []).append(key)

    def rank(value: Any) -> tuple[bool, Any]:
        shown = _derived(query, _combine(query, members[value], figures, period_index))
        figure = shown[rank_by]
        return (figure is not None, figure if figure is not None else 0)

    # Ties go the same way every time (the grouped rows come in no set order).
    ranked = sorted(sorted(members, key=str), key=rank, reverse=True)
    kept = set(ranked[: query.top])
    groups = [(key, [key], DATA) for key in keys if key[index] in kept]
    rest: dict[Key, list[Key]] = {}
    for key in keys:
        if key[index] not in kept:
            other = key[:index] + (OTHERS_KEY,) + key[index + 1 :]
            rest.setdefault(other, []).append(key)
    groups += [(other, folded, OTHERS) for other, folded in rest.items()]
    return groups


def _sort(query: ReportQuery, rows: list[ReportRow]) -> None:
    """By the dimensions (periods in time order, categories by label, "others"
    last); ``query.sort`` first, reversed when ``descending``."""

    def dimension_part(row: ReportRow, dimension) -> tuple:
        value = row.values[dimension.key]
        if dimension.kind == PERIOD:
            return (False, value)
        return (
            row.kind == OTHERS and value == OTHERS_KEY,
            row.labels[dimension.key].casefold(),
        )

    def default(row: ReportRow) -> tuple:
        return tuple(dimension_part(row, d) for d in query.dimensions)

    rows.sort(key=default)
    if not query.sort:
        return
    dimension = query.source.dimension(query.sort)
    if dimension is not None and dimension in query.dimensions:
        rows.sort(
            key=lambda row: dimension_part(row, dimension), reverse=query.descending
        )
        # "Others" stays after the values it gathers, in either order.
        rows.sort(key=lambda row: dimension_part(row, dimension)[0])
        return
    present = [row for row in rows if row.values[query.sort] is not None]
    missing = [row for row in rows if row.values[query.sort] is None]
    present.sort(key=lambda row: row.values[query.sort], reverse=query.descending)
    rows[:] = present + missing
    rows.sort(key=lambda row: row.kind == OTHERS)
