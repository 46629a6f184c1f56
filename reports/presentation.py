"""A computed report as the page shows it: the table (a pivot, rows × columns,
when there are two dimensions) and the chart's figures.

A pivot needs the totals of each row and of each column as well as the grand
total. They are computed by the engine, not added up here, so that derived
measures (an average) and balances (an opening, a closing) stay right: the same
query with the rows' dimension alone, and with the columns' alone. That is two
more ``report_compute`` calls, so still a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.http import QueryDict

from core.reporting import CATEGORY, PERIOD
from reports.exports import figure_text
from reports.query import ReportQuery
from reports.selectors import ReportResult, ReportRow, report_compute
from reports.selectors.results import OTHERS, TOTAL


@dataclass(frozen=True)
class Cell:
    """A cell as people read it (``text``); a measure's cell also keeps its
    figure (``value``: ``Decimal``, ``int`` or ``None``) and its column's kind,
    for the pivot's CSV and XLSX."""

    text: str
    number: bool = False
    value: Any = None
    kind: str = ""


@dataclass
class Table:
    """``heads`` are the header rows (a list of (text, span, number, sort
    query string) each);
    ``body`` the rows of cells; ``totals`` the last row."""

    heads: list[list[tuple[str, int, bool, str]]]
    body: list[list[Cell]]
    totals: list[Cell]


@dataclass
class ReportFigures:
    """What the page, the PDF and a dashboard widget show of one query."""

    result: ReportResult
    rows_result: ReportResult | None = None
    columns_result: ReportResult | None = None

    @property
    def is_pivot(self) -> bool:
        return self.columns_result is not None


def _sub_query(query: ReportQuery, index: int) -> ReportQuery:
    """The query with one of its two dimensions, for the pivot's totals. The top
    N goes with the category it ranks (the first one); the sort goes with the
    dimension it names, or, for a measure, with the rows and the ranked
    category."""
    dimension = query.dimensions[index]
    ranked = next((d for d in query.dimensions if d.kind == CATEGORY), None)
    top = query.top if ranked == dimension else None
    named = query.sort == dimension.key
    by_measure = query.source.measure(query.sort) is not None
    sort = query.sort if named or (by_measure and (index == 0 or top)) else ""
    return replace(
        query,
        dimensions=(dimension,),
        sort=sort,
        descending=query.descending if sort else False,
        top=top,
    )


def report_view_compute(query: ReportQuery, user) -> ReportFigures:
    """The report, and for a pivot the totals of its rows and columns."""
    result = report_compute(query, user)
    if len(query.dimensions) == 1:
        return ReportFigures(result)
    return ReportFigures(
        result,
        rows_result=report_compute(_sub_query(query, 0), user),
        columns_result=report_compute(_sub_query(query, 1), user),
    )


def _row_id(row: ReportRow, key: str) -> Any:
    return (row.kind == OTHERS and row.values[key] == "others", row.values[key])


def _measure_cells(result: ReportResult, row: ReportRow | None) -> list[Cell]:
    return [
        Cell(
            figure_text(column, row.values[column.key]) if row else "–",
            True,
            row.values[column.key] if row else None,
            column.kind,
        )
        for column in result.measure_columns
    ]


def _sort_query(query: QueryDict | None, key: str) -> str:
    """The page's query string sorted by ``key``: ascending, or descending when
    it already is ascending."""
    if query is None:
        return ""
    sorted_query = query.copy()
    sorted_query["sort"] = f"-{key}" if query.get("sort") == key else key
    return sorted_query.urlencode()


def report_table(view: ReportFigures, query: QueryDict | None = None) -> Table:
    """The page's table: flat for one dimension (its headers sort, given the
    page's ``query``), else a pivot with the rows' totals on the right and the
    columns' totals at the bottom."""
    result = view.result
    measures = result.measure_columns
    if not view.is_pivot:
        heads = [
            [
                (str(c.label), 1, not c.is_dimension, _sort_query(query, c.key))
                for c in result.columns
            ]
        ]
        body = [
            [Cell(row.labels[c.key]) for c in result.dimension_columns]
            + _measure_cells(result, row)
            for row in result.rows
        ]
        totals = [
            Cell(result.totals.labels[c.key]) for c in result.dimension_columns
        ] + _measure_cells(result, result.totals)
        return Table(heads, body, totals)

    assert view.rows_result is not None and view.columns_result is not None
    row_dim, column_dim = result.dimension_columns
    column_rows = view.columns_result.rows
    span = len(measures)
    first = [(str(row_dim.label), 1, False, "")]
    first += [(row.labels[column_dim.key], span, True, "") for row in column_rows]
    first.append((str(result.totals.labels[row_dim.key]), span, True, ""))
    second = [("", 1, False, "")] + [
        (str(m.label), 1, True, "")
        for _ in range(len(column_rows) + 1)
        for m in measures
    ]
    cells = {
        (_row_id(row, row_dim.key), _row_id(row, column_dim.key)): row
        for row in result.rows
    }
    body = []
    for row in view.rows_result.rows:
        line = [Cell(row.labels[row_dim.key])]
        for column in column_rows:
            line += _measure_cells(
                result,
                cells.get((_row_id(row, row_dim.key), _row_id(column, column_dim.key))),
            )
        line += _measure_cells(result, row)
        body.append(line)
    totals = [Cell(result.totals.labels[row_dim.key])]
    for column in column_rows:
        totals += _measure_cells(result, column)
    totals += _measure_cells(result, result.totals)
    return Table([first, second], body, totals)


def _number(value: Any) -> str:
    if value is None:
        return "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def report_chart(
    view: ReportFigures, kind: str, measure_key: str = ""
) -> dict[str, Any]:
    """The chart's figures, for Chart.js (``json_script``) and the SVG: the
    labels along the x axis (the periods, else the rows), and a series per
    value of the other dimension (stacked) or, with one dimension, per measure.
    Figures are decimal texts (money never goes through a float here).

    With two dimensions the chart draws one measure, ``measure_key`` (else the
    first), and names it in ``measure``: stacking every measure of every column
    would add up counts and money in one bar. Metabase does the same (a chart
    with two groupings takes one metric) and so does Odoo's graph view (one
    measure at a time, picked from its Measures menu).
    """
    result = view.result
    dimensions = result.dimension_columns
    measures = result.measure_columns
    rows = [row for row in result.rows if row.kind != TOTAL]
    if len(dimensions) == 1:
        (x_dim,) = dimensions
        ordered = (
            sorted(rows, key=lambda r: r.values[x_dim.key])
            if (x_dim.kind == PERIOD)
            else rows
        )
        return {
            "kind": kind,
            "stacked": False,
            "labels": [row.labels[x_dim.key] for row in ordered],
            "series": [
                {
                    "label": str(m.label),
                    "values": [_number(row.values[m.key]) for row in ordered],
                }
                for m in measures
            ],
            "measure": "",
            "measure_key": "",
        }
    x_index = next((i for i, d in enumerate(dimensions) if d.kind == PERIOD), 0)
    x_dim, series_dim = dimensions[x_index], dimensions[1 - x_index]
    measure = next((m for m in measures if m.key == measure_key), measures[0])
    x_ids: dict[Any, str] = {}
    series_ids: dict[Any, str] = {}
    figures: dict[tuple[Any, Any], str] = {}
    for row in rows:
        x_id, series_id = _row_id(row, x_dim.key), _row_id(row, series_dim.key)
        x_ids.setdefault(x_id, row.labels[x_dim.key])
        series_ids.setdefault(series_id, row.labels[series_dim.key])
        figures[(x_id, series_id)] = _number(row.values[measure.key])
    x_order = sorted(x_ids) if x_dim.kind == PERIOD else list(x_ids)
    return {
        "kind": kind,
        "stacked": True,
        "labels": [x_ids[x] for x in x_order],
        "series": [
            {
                "label": label,
                "values": [figures.get((x, series), "0") for x in x_order],
            }
            for series, label in series_ids.items()
        ],
        "measure": str(measure.label),
        "measure_key": measure.key,
    }
