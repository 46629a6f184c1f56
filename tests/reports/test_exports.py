"""The CSV and the XLSX carry the same figures as the computed report."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports.exports import report_csv_lines, report_pdf_document, report_xlsx
from reports.query import report_query_build
from reports.selectors import report_compute
from tests.customers.factories import CustomerFactory
from tests.reports.support import Past, history_write, rome

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

MEASURES = ["count", "credits", "debits", "net", "average", "opening", "closing"]


@pytest.fixture
def result():
    formula = CustomerFactory(first_name="=HYPERLINK(1)", last_name="")
    plain = CustomerFactory(first_name="Ana", last_name="Costa")
    history_write(
        formula,
        [
            Past(rome("2026-01-03 10:00"), "12.35"),
            Past(rome("2026-02-03 10:00"), "-2.10"),
        ],
    )
    history_write(plain, [Past(rome("2026-02-10 10:00"), "1000.00")])
    query = report_query_build(
        source="balance.movements",
        group_by="month,customer",
        measures=",".join(MEASURES),
        date_from="2026-01-01",
        date_to="2026-03-01",
    )
    return report_compute(query, None)


def expected_rows(result):
    """(month ISO, customer label, figures as text) for each row and the totals."""
    rows = [
        (
            row.values["month"].isoformat(),
            row.labels["customer"],
            [row.values[key] for key in MEASURES],
        )
        for row in result.rows
    ]
    return rows, [result.totals.values[key] for key in MEASURES]


def as_decimal(value):
    return (
        None if value in ("", None) else Decimal(str(value)).quantize(Decimal("0.01"))
    )


def test_export_csv_is_the_machine_format_with_the_same_figures(result):
    text = "".join(report_csv_lines(result))
    lines = list(csv.reader(io.StringIO(text)))

    assert lines[0] == ["month", "customer", "customer_label", *MEASURES]
    rows, totals = expected_rows(result)
    assert len(lines) == len(rows) + 2
    for line, (month, label, figures) in zip(lines[1:-1], rows, strict=True):
        assert line[0] == month
        # A name that looks like a formula is quoted, so it never runs.
        assert line[2] == (f"'{label}" if label.startswith("=") else label)
        assert [as_decimal(cell) for cell in line[3:]] == [
            as_decimal(value) for value in figures
        ]
    assert lines[-1][:3] == ["total", "", ""]
    assert [as_decimal(cell) for cell in lines[-1][3:]] == [
        as_decimal(value) for value in totals
    ]
    assert "1000.00" in text and "1,000" not in text
    assert lines[-1][3:] == [
        "3",
        "1012.35",
        "2.10",
        "1010.25",
        "336.75",
        "0.00",
        "1010.25",
    ]


def test_export_xlsx_has_the_same_figures_as_the_csv(result):
    sheet = load_workbook(io.BytesIO(report_xlsx(result))).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]

    assert cells[0] == [
        "Month",
        "Customer",
        "Operations",
        "Credits",
        "Debits",
        "Net",
        "Average amount",
        "Opening balance",
        "Closing balance",
    ]
    rows, totals = expected_rows(result)
    for line, (month, label, figures) in zip(
        cells[1 : 1 + len(rows)], rows, strict=True
    ):
        assert isinstance(line[0], datetime)
        assert line[0].date().isoformat() == month
        assert line[1] == label
        assert [as_decimal(v) for v in line[2:]] == [as_decimal(v) for v in figures]
    # The name typed as a formula is stored as text, not as a formula.
    labels = [sheet.cell(row=n, column=2) for n in range(2, 2 + len(rows))]
    assert "=HYPERLINK(1)" in [cell.value for cell in labels]
    assert {cell.data_type for cell in labels} == {"s"}
    total_line = cells[1 + len(rows)]
    assert total_line[0] == "Total"
    assert [as_decimal(v) for v in total_line[2:]] == [as_decimal(v) for v in totals]
    assert cells[-1] == ["Deleted operations and their reversals are left out."] + [
        None
    ] * (len(cells[-1]) - 1)

    csv_lines = list(csv.reader(io.StringIO("".join(report_csv_lines(result)))))
    assert [as_decimal(v) for v in csv_lines[-1][3:]] == [
        as_decimal(v) for v in total_line[2:]
    ]


def test_export_pdf_shows_the_same_figures(result):
    from weasyprint.formatting_structure.boxes import TextBox

    document = report_pdf_document(result)
    text = " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    )
    assert "Balance movements" in text
    assert "2026-01" in text and "2026-02" in text
    assert "Ana Costa" in text and "Total" in text
    # The totals row, in English number format.
    for figure in ("1,012.35", "2.10", "1,010.25", "336.75"):
        assert figure in text
    assert "Deleted operations and their reversals are left out." in text


def _pdf_text(document) -> str:
    from weasyprint.formatting_structure.boxes import TextBox

    return " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    )


def _pdf_of_pivot(client, measures):
    """The PDF export of the conftest ledger by month x kind (5 kinds in the
    range: 1 + (5 + 1) x len(measures) cells across), as the page exports it."""
    from django.urls import reverse

    export = reverse("reports:export", args=["balance.movements", "pdf"])
    params = {
        "date_from": "2026-01-01",
        "date_to": "2026-04-01",
        "rows": "month",
        "columns": "kind",
        "measures": measures,
    }
    return client.get(export, params)


def test_pdf_of_a_pivot_that_fits_is_the_pivot_shown(staff_client, ledger):
    from reports.exports import PDF_PIVOT_MAX_COLUMNS, _pdf_layout, pdf_pivot_fits
    from reports.presentation import report_table, report_view_compute

    query = report_query_build(
        source="balance.movements",
        group_by="month,kind",
        measures="net",
        date_from="2026-01-01",
        date_to="2026-04-01",
    )
    figures = report_view_compute(query, None)
    table = report_table(figures)
    assert len(table.heads[-1]) == 7 <= PDF_PIVOT_MAX_COLUMNS
    assert pdf_pivot_fits(table)
    layout = _pdf_layout(figures.result, table)
    assert layout["long"] is False
    assert [text for text, _span, _number in layout["heads"][0]] == [
        "Month",
        "Automation",
        "Credit",
        "Debit",
        "Gift",
        "Paid at checkout",
        "Total",
    ]
    # The pivot's rows, as on the page (test_page.py works them out).
    assert [text for text, _number in layout["rows"][0]] == [
        "2026-01",
        "0.00",
        "100.00",
        "-30.00",
        "0.00",
        "0.00",
        "70.00",
    ]

    response = _pdf_of_pivot(staff_client, ["net"])

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(
        report_pdf_document(
            figures.result, table=table, chart_svg="<svg/>", chart_measure="Net"
        )
    )
    assert "Paid at checkout" in text and "134.50" in text
    assert "do not fit across the page" not in text
    assert "The chart draws Net." in text


def test_pdf_of_a_pivot_too_wide_for_the_page_is_listed_long(staff_client, ledger):
    from reports.exports import _pdf_layout, pdf_pivot_fits
    from reports.presentation import report_table, report_view_compute

    query = report_query_build(
        source="balance.movements",
        group_by="month,kind",
        measures="count,credits,debits,net",
        date_from="2026-01-01",
        date_to="2026-04-01",
    )
    figures = report_view_compute(query, None)
    table = report_table(figures)
    assert len(table.heads[-1]) == 1 + 6 * 4  # 25 cells: more than the page holds
    assert not pdf_pivot_fits(table)
    layout = _pdf_layout(figures.result, table)
    assert layout["long"] is True
    assert [text for text, _span, _number in layout["heads"][0]] == [
        "Month",
        "Operation type",
        "Operations",
        "Credits",
        "Debits",
        "Net",
    ]
    # A row per month x kind with figures (zero-filled pairs included): 3 x 5.
    assert len(layout["rows"]) == 15
    assert [text for text, _number in layout["totals"]] == [
        "Total",
        "",
        "5",
        "170.00",
        "35.50",
        "134.50",
    ]

    response = _pdf_of_pivot(staff_client, ["count", "credits", "debits", "net"])

    assert response.status_code == 200
    text = _pdf_text(report_pdf_document(figures.result, table=table))
    assert "The columns do not fit across the page" in text
