"""What ``report_compute`` returns: columns, rows, "others" and the totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reports.query import ReportQuery

# ReportRow.kind
DATA = "data"
OTHERS = "others"
TOTAL = "total"
# The value of a category cell in an "others" row (and the totals' first cell).
OTHERS_KEY = "others"
TOTAL_KEY = "total"


@dataclass(frozen=True)
class ReportColumn:
    """A column: a dimension (``kind`` "period" or "category") or a measure
    (``kind`` "money", "count" or "decimal"). ``key`` is stable (the machine CSV's
    header); ``label`` is for people (translated)."""

    key: str
    label: Any
    kind: str
    grain: str = ""
    is_dimension: bool = False


@dataclass
class ReportRow:
    """One row: ``values`` by column key (a bucket's first day for a period, the
    raw value for a category, ``Decimal``/``int``/``None`` for a measure) and
    ``labels`` of its dimension cells as people read them."""

    values: dict[str, Any]
    labels: dict[str, str] = field(default_factory=dict)
    kind: str = DATA


@dataclass
class ReportResult:
    """The computed report. ``notes`` say what the figures leave out or include
    (the filters' descriptions, e.g. reversed pairs left out): the totals and
    every export carry them."""

    query: ReportQuery
    columns: list[ReportColumn]
    rows: list[ReportRow]
    totals: ReportRow
    notes: list[str] = field(default_factory=list)

    @property
    def dimension_columns(self) -> list[ReportColumn]:
        return [column for column in self.columns if column.is_dimension]

    @property
    def measure_columns(self) -> list[ReportColumn]:
        return [column for column in self.columns if not column.is_dimension]
