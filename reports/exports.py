"""A computed report as a file: CSV (streamed) and XLSX (openpyxl).

The CSV is for machines, the same in every language: the stable keys as headers
(a category dimension also gets a ``<key>_label`` column), a bucket as the ISO
date of its first day, numbers with "." as the decimal separator and no
grouping, the totals row last with ``total`` in its first cell. The XLSX is for
people: the columns' labels, dates as date cells, amounts as numbers with two
decimals, the totals row in bold and the report's notes (what it leaves out)
below it. Both carry exactly the figures of ``report_compute``.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.csv_cells import csv_cell_safe
from core.reporting import CATEGORY, COUNT, MONEY, PERIOD
from reports.selectors.results import TOTAL, ReportColumn, ReportResult, ReportRow

if TYPE_CHECKING:
    from weasyprint import Document

    from reports.presentation import Table

FORMATS = ("csv", "xlsx", "pdf")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


# A PDF is read by people and laid out by weasyprint: past this many rows it is
# refused (use the CSV or the XLSX), never cut short.
PDF_MAX_ROWS = 2_000


# A pivot's PDF is the pivot as the page shows it while its columns fit the A4
# landscape page (about 16 figures of 12 characters at 9 pt across 273 mm; the
# row label takes two): past this many cells across, it is laid out long, a row
# per rows x columns pair (the engine's table), rather than overflowing the page.
PDF_PIVOT_MAX_COLUMNS = 14


def pdf_too_long_message() -> str:
    return _("A PDF holds at most %(max)s rows: use csv or xlsx for this report.") % {
        "max": f"{PDF_MAX_ROWS:,}"
    }


def number_text(value: Any) -> str:
    """A measure as the CSV writes it: "1234.50", "-3.00", "7", or "" for none."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class _Echo:
    """A file-like object that hands back what the csv writer writes."""

    def write(self, value: str) -> str:
        return value


def csv_header(result: ReportResult) -> list[str]:
    header = []
    for column in result.dimension_columns:
        header.append(column.key)
        if column.kind == CATEGORY:
            header.append(f"{column.key}_label")
    header += [column.key for column in result.measure_columns]
    return header


def _csv_row(result: ReportResult, row: ReportRow) -> list[str]:
    cells = []
    for column in result.dimension_columns:
        value = row.values[column.key]
        if row.kind == TOTAL:
            cells.append(value or "")
            if column.kind == CATEGORY:
                cells.append("")
            continue
        if column.kind == PERIOD:
            cells.append(value.isoformat())
        else:
            cells.append(csv_cell_safe("" if value is None else value))
            cells.append(csv_cell_safe(row.labels[column.key]))
    cells += [number_text(row.values[column.key]) for column in result.measure_columns]
    return cells


def _csv_labelled_row(result: ReportResult, row: ReportRow) -> list[str]:
    cells = [csv_cell_safe(row.labels[c.key]) for c in result.dimension_columns]
    return cells + [number_text(row.values[c.key]) for c in result.measure_columns]


def report_csv_lines(result: ReportResult, *, labelled: bool = False) -> Iterator[str]:
    """The CSV, line by line (for ``StreamingHttpResponse`` or a file).

    Texts (labels, keys) go through ``csv_cell_safe``, so a name typed as a
    formula never runs in a spreadsheet; numbers are written as they are.
    ``labelled`` (the report page's export, for people): the columns' labels in
    the active language as headers and the dimensions' labels only ("Total" in
    the totals' first cell); the numbers stay as the machine CSV writes them.
    """
    writer = csv.writer(_Echo())
    if labelled:
        yield writer.writerow([csv_cell_safe(str(c.label)) for c in result.columns])
        for row in [*result.rows, result.totals]:
            yield writer.writerow(_csv_labelled_row(result, row))
        return
    yield writer.writerow(csv_header(result))
    for row in result.rows:
        yield writer.writerow(_csv_row(result, row))
    yield writer.writerow(_csv_row(result, result.totals))


def _pivot_header_rows(table: Table) -> list[list[str]]:
    """The pivot's header rows, a spanned cell written once, then blanks."""
    rows = []
    for head in table.heads:
        cells: list[str] = []
        for text, span, _number, _url in head:
            cells += [text] + [""] * (span - 1)
        rows.append(cells)
    return rows


def pivot_csv_lines(table: Table) -> Iterator[str]:
    """A pivot (``reports.presentation.report_table``) as the page shows it:
    its header rows, a row per value of the rows' dimension and the totals;
    figures as the machine CSV writes them, an empty cell where there is none."""
    writer = csv.writer(_Echo())
    for cells in _pivot_header_rows(table):
        yield writer.writerow([csv_cell_safe(cell) for cell in cells])
    for line in [*table.body, table.totals]:
        yield writer.writerow(
            [
                number_text(cell.value) if cell.number else csv_cell_safe(cell.text)
                for cell in line
            ]
        )


def pivot_xlsx(table: Table, title: str) -> bytes:
    """A pivot as an XLSX sheet: the header rows in bold, figures as numbers
    (amounts with two decimals), the totals row in bold."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    for cells in _pivot_header_rows(table):
        header = []
        for text in cells:
            cell = WriteOnlyCell(sheet, value=text or None)
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        sheet.append(header)
    for line in [*table.body, table.totals]:
        row = []
        for item in line:
            cell = WriteOnlyCell(sheet, value=item.value if item.number else item.text)
            if not item.number:
                cell.data_type = "s"
            elif item.kind != COUNT:
                cell.number_format = MONEY_FORMAT
            if line is table.totals:
                cell.font = bold
            row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_xlsx(result: ReportResult) -> bytes:
    """The XLSX workbook: one sheet named after the source."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(result.query.source.key)[:31])
    bold = Font(bold=True)
    header = []
    for column in result.columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = bold
        header.append(cell)
    for index, column in enumerate(result.columns, start=1):
        width = 14 if column.kind != CATEGORY else 30
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(header)
    for row in [*result.rows, result.totals]:
        cells = []
        for column in result.columns:
            if column.is_dimension:
                if row.kind == TOTAL:
                    value: Any = row.labels[column.key] or None
                elif column.kind == PERIOD:
                    value = row.values[column.key]
                else:
                    value = row.labels[column.key]
            else:
                value = row.values[column.key]
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                # Text stays text: openpyxl would store "=…" as a formula.
                cell.data_type = "s"
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif column.kind == MONEY or (
                column.kind != COUNT and isinstance(value, Decimal)
            ):
                cell.number_format = MONEY_FORMAT
            if row.kind == TOTAL:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    if result.notes:
        sheet.append([])
        for note in result.notes:
            note_cell = WriteOnlyCell(sheet, value=note)
            note_cell.data_type = "s"
            sheet.append([note_cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def figure_text(column: ReportColumn, value: Any) -> str:
    """A measure as people read it, in the active language's format (the PDF,
    the report page)."""
    if value is None:
        return "–"
    if column.kind == COUNT:
        return number_format(value, force_grouping=True)
    return number_format(value, 2, force_grouping=True)


def _pdf_cells(result: ReportResult, row: ReportRow) -> list[tuple[str, bool]]:
    cells = []
    for column in result.columns:
        if column.is_dimension:
            cells.append((row.labels[column.key], False))
        else:
            cells.append((figure_text(column, row.values[column.key]), True))
    return cells


def pdf_pivot_fits(table: Table) -> bool:
    """Whether a pivot's columns fit across the PDF's page."""
    return len(table.heads[-1]) <= PDF_PIVOT_MAX_COLUMNS


def _pdf_layout(result: ReportResult, table: Table | None) -> dict[str, Any]:
    """The PDF table's header rows (text, span, number), body rows and totals
    (text, number): the pivot when it is given and fits, else the long table."""
    if table is not None and pdf_pivot_fits(table):
        return {
            "heads": [
                [(text, span, number) for text, span, number, _url in head]
                for head in table.heads
            ],
            "rows": [[(c.text, c.number) for c in line] for line in table.body],
            "totals": [(c.text, c.number) for c in table.totals],
            "long": False,
        }
    return {
        "heads": [
            [
                (str(column.label), 1, not column.is_dimension)
                for column in result.columns
            ]
        ],
        "rows": [_pdf_cells(result, row) for row in result.rows],
        "totals": _pdf_cells(result, result.totals),
        "long": table is not None,
    }


def report_pdf_document(
    result: ReportResult,
    *,
    chart_svg: str = "",
    table: Table | None = None,
    chart_measure: str = "",
) -> Document:
    """The laid-out pages of the PDF (a weasyprint ``Document``): the table, its
    totals and the notes, figures in the active language's format; ``chart_svg``
    (an SVG document, ``reports.svg``) is drawn above the table. A pivot's
    ``table`` (``reports.presentation.report_table``) is drawn as the page shows
    it when it fits the page's width (``PDF_PIVOT_MAX_COLUMNS``), else long;
    ``chart_measure`` names the measure a two-dimension chart draws."""
    from weasyprint import HTML

    if len(result.rows) > PDF_MAX_ROWS:
        raise ValueError(pdf_too_long_message())
    query = result.query
    if query.date_from and query.date_to:
        range_text = _("From %(start)s to %(end)s (left out)") % {
            "start": query.date_from.isoformat(),
            "end": query.date_to.isoformat(),
        }
    elif query.date_from:
        range_text = _("From %(start)s") % {"start": query.date_from.isoformat()}
    elif query.date_to:
        range_text = _("Until %(end)s (left out)") % {"end": query.date_to.isoformat()}
    else:
        range_text = _("All dates")
    layout = _pdf_layout(result, table)
    html = render_to_string(
        "reports/report_pdf.html",
        {
            "title": str(query.source.label),
            "range_text": range_text,
            "notes": result.notes,
            **layout,
            "width": sum(span for _text, span, _number in layout["heads"][0]),
            "chart_measure": chart_measure,
            "chart_uri": (
                "data:image/svg+xml;base64,"
                + base64.b64encode(chart_svg.encode()).decode()
                if chart_svg
                else ""
            ),
        },
    )
    return HTML(string=html).render()


def report_pdf(
    result: ReportResult,
    *,
    chart_svg: str = "",
    table: Table | None = None,
    chart_measure: str = "",
) -> bytes:
    """The report as a PDF (weasyprint); ``ValueError`` past ``PDF_MAX_ROWS``."""
    return report_pdf_document(
        result, chart_svg=chart_svg, table=table, chart_measure=chart_measure
    ).write_pdf()
