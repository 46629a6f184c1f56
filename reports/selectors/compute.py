"""``report_compute``: a checked ``ReportQuery`` computed with the ORM.

A fixed number of queries whatever the data: one grouped query
(``values(dimensions).annotate(aggregates)``, periods cut by ``Trunc(...,
tzinfo=TIME_ZONE)``), one more for the balances before the start when an opening
or closing is asked for, and one per category dimension whose values need
labels (e.g. customers' names). The rest is done on the grouped rows, at most
``MAX_ROWS`` of them: zero-filled buckets and running balances here; derived
measures, top N with "others", sorting and the totals in ``shaping``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Count, DateField, DateTimeField, F, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import quantize
from core.reporting import CATEGORY, MONEY, OPENING, PERIOD, ReportMeasure
from reports.database import reports_database
from reports.periods import (
    bucket_next,
    bucket_start,
    buckets,
    business_zone,
    local_midnight,
)
from reports.query import ReportQuery, ReportQueryError
from reports.selectors.results import OTHERS_KEY, ReportResult
from reports.selectors.shaping import Key, result_build, zero

# More rows than this is an error (narrow the dates or the grouping), never a
# silently truncated report.
MAX_ROWS = 10_000
SECONDS_PER_DAY = Decimal(86400)


def _too_many() -> ReportQueryError:
    return ReportQueryError(
        _(
            "This report would have more than %(max)s rows: narrow the dates, use a "
            "coarser period or keep the top N."
        )
        % {"max": f"{MAX_ROWS:,}"},
        field="rows",
    )


def _figure(measure: ReportMeasure, value: Any) -> Any:
    """A figure read from the database: zero for none, money in cents (SQLite's
    sums come back as floats, PostgreSQL's may carry more decimal places), a
    duration in days."""
    if value is None:
        return zero(measure)
    if isinstance(value, timedelta):
        # A sum of durations (days to pay) is read as days, to the hundredth.
        return quantize(Decimal(str(value.total_seconds())) / SECONDS_PER_DAY)
    if measure.kind == MONEY:
        return quantize(Decimal(str(value)))
    return value


def _additive_keys(query: ReportQuery) -> tuple[list[str], list[str]]:
    """The additive measures the grouped query must compute (asked for, needed
    by a derived measure, accumulated by a running one), and the running ones'
    accumulated measures."""
    source = query.source
    needed: list[str] = []
    running_of: list[str] = []
    for measure in query.measures:
        if measure.aggregate is not None:
            wanted = [measure.key]
        elif measure.derive is not None:
            wanted = list(measure.needs)
        else:
            wanted = [measure.of]
            running_of.append(measure.of)
        for key in wanted:
            inner = source.measure(key)
            if inner is None or inner.aggregate is None:
                raise ValueError(
                    f"{source.key}: {measure.key} needs the additive {key}"
                )
            if key not in needed:
                needed.append(key)
    return needed, list(dict.fromkeys(running_of))


def _as_day(value: Any) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(business_zone())
        return value.date()
    return value


def report_compute(query: ReportQuery, user) -> ReportResult:
    """The report's rows, "others" and totals; ``user`` ``None`` is the shell.

    Its queries run on the reports database (the read replica, when there is
    one: ``reports.database``). Raises ``PermissionDenied`` when the user may not
    see the source, and ``ReportQueryError`` (field "rows") past ``MAX_ROWS`` rows.
    """
    with reports_database():
        return _compute(query, user)


def _compute(query: ReportQuery, user) -> ReportResult:
    source = query.source
    if not source.allowed(user):
        raise PermissionDenied(
            _("You may not see the report source “%(source)s”.")
            % {"source": source.label}
        )
    dimensions = query.dimensions
    period_index = next((i for i, d in enumerate(dimensions) if d.kind == PERIOD), None)
    grain = dimensions[period_index].grain if period_index is not None else ""
    if period_index is not None and query.date_from and query.date_to:
        planned = buckets(query.date_from, query.date_to, grain, limit=MAX_ROWS)
        if len(planned) > MAX_ROWS:
            raise _too_many()
    additive, running_of = _additive_keys(query)
    measures = {m.key: m for m in source.measures}

    rows = source.queryset(user)
    for report_filter, values in query.filters:
        rows = report_filter.apply(rows, values)
    moment = source.moment
    # A date moment (an expiry date) is a local day already: ranged by days.
    bound = (lambda day: day) if source.moment_is_date else local_midnight
    start = bound(query.date_from) if query.date_from else None
    end = bound(query.date_to) if query.date_to else None
    ranged = rows
    if start is not None:
        ranged = ranged.filter(**{f"{moment}__gte": start})
    if end is not None:
        ranged = ranged.filter(**{f"{moment}__lt": end})

    aliases = [f"dim_{index}" for index in range(len(dimensions))]
    annotations: dict[str, Any] = {}
    for alias, dimension in zip(aliases, dimensions, strict=True):
        if dimension.kind == PERIOD and source.moment_is_date:
            annotations[alias] = Trunc(moment, grain, output_field=DateField())
        elif dimension.kind == PERIOD:
            annotations[alias] = Trunc(
                moment, grain, output_field=DateTimeField(), tzinfo=business_zone()
            )
        else:
            annotations[alias] = dimension.expression()  # type: ignore[misc]
    rank_by = _top_in_sql(query)
    if rank_by:
        keys, figures_top = _top_compute(query, ranged, annotations, additive, rank_by)
        return result_build(query, keys, figures_top, None, grain, folded=True)
    grouped = _grouped_rows(
        ranged.annotate(**annotations)
        .values(*aliases)
        .annotate(**{f"m_{key}": measures[key].aggregate() for key in additive})  # type: ignore[misc]
        .order_by(),
        MAX_ROWS + 1,
    )
    if len(grouped) > MAX_ROWS:
        raise _too_many()

    figures: dict[Key, dict[str, Any]] = {}
    for row in grouped:
        key = tuple(
            _as_day(row[alias]) if index == period_index else row[alias]
            for index, alias in enumerate(aliases)
        )
        figures[key] = {
            name: _figure(measures[name], row[f"m_{name}"]) for name in additive
        }

    category_indexes = [i for i, d in enumerate(dimensions) if d.kind == CATEGORY]
    starting: dict[Key, dict[str, Any]] = {}
    if running_of and start is not None:
        category_aliases = [aliases[i] for i in category_indexes]
        earlier = rows.filter(**{f"{moment}__lt": start})
        sums = {f"m_{key}": measures[key].aggregate() for key in running_of}  # type: ignore[misc]
        if category_aliases:
            before = list(
                earlier.annotate(
                    **{alias: annotations[alias] for alias in category_aliases}
                )
                .values(*category_aliases)
                .annotate(**sums)
                .order_by()[: MAX_ROWS + 1]
            )
        else:
            # No category: one sum of everything before (``values()`` with no
            # field would group by every column).
            before = [earlier.order_by().aggregate(**sums)]
        if len(before) > MAX_ROWS:
            raise _too_many()
        for row in before:
            starting[tuple(row[alias] for alias in category_aliases)] = {
                key: _figure(measures[key], row[f"m_{key}"]) for key in running_of
            }

    keys = _keys_filled(query, figures, starting, period_index, category_indexes, grain)
    if len(keys) > MAX_ROWS:
        raise _too_many()
    for key in keys:
        figures.setdefault(key, {name: zero(measures[name]) for name in additive})
    _running_fill(query, keys, figures, starting, period_index, category_indexes)

    return result_build(query, keys, figures, period_index, grain)


def _grouped_rows(grouped: QuerySet, limit: int) -> list[dict[str, Any]]:
    """The grouped query's rows, at most ``limit`` of them.

    On PostgreSQL the query is a ``MATERIALIZED`` CTE with the ``LIMIT`` outside:
    a ``LIMIT`` on the grouped query itself makes the planner pick a plan that
    yields the first groups soon (a sort of every row, spilled to disk, and a
    nested-loop probe per entry for the reversed pairs), 3.1 s instead of 1.2 s
    over 930,000 entries grouped by month (``bench/results/reports.md``). The
    columns come as the driver gives them: the grouped values (a truncated
    moment is the naive local time, which ``_as_day`` reads) and the sums."""
    if connections[grouped.db].vendor != "postgresql":
        return list(grouped[:limit])
    sql, params = grouped.query.get_compiler(using=grouped.db).as_sql()
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(
            # The ORM's own compiled query; its values stay parameters.
            f"WITH grouped AS MATERIALIZED ({sql}) SELECT * FROM grouped LIMIT %s",  # noqa: S608
            [*params, limit],
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _top_in_sql(query: ReportQuery) -> str:
    """The additive measure a top N is ranked by, when the database can rank
    it: one category dimension, no opening or closing. Then the top N groups
    are the query's ``ORDER BY ... LIMIT N`` and "others" one sum of the rest,
    so that the top 50 of a million customers is two queries and no 10,000-row
    refusal. Else ``""`` (ranked here, from every group)."""
    if not query.top or len(query.dimensions) != 1:
        return ""
    if query.dimensions[0].kind != CATEGORY:
        return ""
    if any(m.running for m in query.measures):
        return ""
    keys = [m.key for m in query.measures]
    rank_by = query.sort if query.sort in keys else keys[0]
    measure = query.source.measure(rank_by)
    if measure is None or measure.aggregate is None:
        return ""
    return rank_by


def _top_compute(
    query: ReportQuery,
    ranged: Any,
    annotations: dict[str, Any],
    additive: list[str],
    rank_by: str,
) -> tuple[list[Key], dict[Key, dict[str, Any]]]:
    """The top N groups by ``rank_by`` (largest first, an empty figure last,
    ties by value), and the rest added up under ``OTHERS_KEY`` when there is a
    rest: the keys and figures ``result_build(..., folded=True)`` takes."""
    measures = {m.key: m for m in query.source.measures}
    aggregates = {f"m_{key}": measures[key].aggregate() for key in additive}  # type: ignore[misc]
    annotated = ranged.annotate(**annotations)
    top = list(
        annotated.values("dim_0")
        .annotate(**aggregates)
        .order_by(F(f"m_{rank_by}").desc(nulls_last=True), "dim_0")[: query.top]
    )
    keys: list[Key] = []
    figures: dict[Key, dict[str, Any]] = {}
    for row in top:
        keys.append((row["dim_0"],))
        figures[keys[-1]] = {
            name: _figure(measures[name], row[f"m_{name}"]) for name in additive
        }
    values = [row["dim_0"] for row in top if row["dim_0"] is not None]
    rest = annotated.filter(~Q(dim_0__in=values) | Q(dim_0__isnull=True))
    if any(row["dim_0"] is None for row in top):
        rest = rest.filter(dim_0__isnull=False)
    sums = rest.order_by().aggregate(_rows=Count("pk"), **aggregates)
    if sums["_rows"]:
        keys.append((OTHERS_KEY,))
        figures[keys[-1]] = {
            name: _figure(measures[name], sums[f"m_{name}"]) for name in additive
        }
    return keys, figures


def _category_key(key: Key, category_indexes: list[int]) -> Key:
    return tuple(key[i] for i in category_indexes)


def _keys_filled(
    query: ReportQuery,
    figures: Mapping[Key, Any],
    starting: Mapping[Key, Any],
    period_index: int | None,
    category_indexes: list[int],
    grain: str,
) -> list[Key]:
    """Every row's key: with a period, each category found gets every bucket of
    the range (zero-filled); without, the groups found (and, for an opening or
    closing, those with a balance before the start)."""
    if period_index is None:
        found = list(figures)
        found += [key for key in starting if key not in figures]
        return found
    categories = list(
        dict.fromkeys(
            [_category_key(key, category_indexes) for key in figures] + list(starting)
        )
    )
    if not category_indexes:
        categories = [()]
    days = [key[period_index] for key in figures]
    if query.date_from:
        first = query.date_from
    elif days:
        first = min(days)
    else:
        return []
    if query.date_to:
        end = query.date_to
    else:
        last = max([timezone.localdate(timezone=business_zone()), first, *days])
        end = bucket_next(bucket_start(last, grain), grain)
    periods = buckets(first, end, grain, limit=MAX_ROWS)
    if len(periods) * len(categories) > MAX_ROWS:
        raise _too_many()
    keys = []
    for category in categories:
        for period in periods:
            parts = list(category)
            parts.insert(period_index, period)
            keys.append(tuple(parts))
    return keys


def _running_fill(
    query: ReportQuery,
    keys: list[Key],
    figures: dict[Key, dict[str, Any]],
    starting: Mapping[Key, Mapping[str, Any]],
    period_index: int | None,
    category_indexes: list[int],
) -> None:
    """Openings and closings: per category, the balance before the start, then
    each period in order: opening, plus the period's figure, is its closing."""
    running = [m for m in query.measures if m.running]
    if not running:
        return
    ordered = sorted(
        keys,
        key=lambda key: key[period_index] if period_index is not None else 0,
    )
    balances: dict[tuple[Key, str], Any] = {}
    accumulated = list(dict.fromkeys(measure.of for measure in running))
    for key in ordered:
        category = _category_key(key, category_indexes)
        moved = {}
        for of in accumulated:
            before = balances.get(
                (category, of), starting.get(category, {}).get(of, Decimal("0.00"))
            )
            moved[of] = (before, before + figures[key][of])
            balances[(category, of)] = moved[of][1]
        for measure in running:
            before, after = moved[measure.of]
            figures[key][measure.key] = before if measure.running == OPENING else after
