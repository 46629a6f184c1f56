"""The expirations report: filters, totals, bad input, the CSV and PDF exports."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from expirations import reports
from expirations.models import Expiration, ExpirationSettings
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import (
    ExpirationFactory,
    ProvenanceFactory,
    ServiceProductFactory,
)

pytestmark = pytest.mark.django_db

REPORT = "/staff/expirations/report/"


def staff_with(*codenames):
    user = StaffFactory()
    for codename in codenames:
        app, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=name)
        )
    return user


@pytest.fixture
def data():
    today = timezone.localdate()
    web = ProvenanceFactory(name="Web")
    fair = ProvenanceFactory(name="Fair")
    hosting = ServiceProductFactory(name="Hosting")
    return {
        "today": today,
        "web": web,
        "fair": fair,
        "hosting": hosting,
        "active": ExpirationFactory(
            customer=CustomerFactory(first_name="Ada", last_name="Active"),
            product=hosting,
            amount=Decimal("100.00"),
            start_date=date(2025, 1, 10),
            expiry_date=today + timedelta(days=200),
            provenance=web,
        ),
        "soon": ExpirationFactory(
            item="Domain soon",
            amount=Decimal("20.50"),
            start_date=date(2025, 6, 1),
            expiry_date=today + timedelta(days=5),
            provenance=fair,
        ),
        "expired": ExpirationFactory(
            item="Old licence",
            amount=Decimal("7.25"),
            start_date=date(2024, 1, 1),
            expiry_date=today - timedelta(days=3),
            provenance=web,
        ),
        "cancelled": ExpirationFactory(
            item="Cancelled plan",
            amount=Decimal("1.00"),
            start_date=date(2024, 1, 1),
            expiry_date=today + timedelta(days=50),
            is_cancelled=True,
        ),
    }


def labels(response):
    return sorted(
        row.record.label for row in response.context["table"].page.object_list
    )


def test_report_is_in_the_staff_menu(staff_client):
    html = staff_client.get("/staff/").content.decode()
    assert reverse("expirations:report") in html
    assert "Expirations report" in html


def test_report_without_filters_shows_all_with_totals(staff_client, data):
    response = staff_client.get(REPORT)

    assert response.status_code == 200
    assert response.context["totals"] == {"count": 4, "amount": Decimal("128.75")}
    assert labels(response) == [
        "Cancelled plan",
        "Domain soon",
        "Hosting",
        "Old licence",
    ]
    html = response.content.decode()
    assert "128.75" in html
    assert "Expiring soon" in html and "Cancelled" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "active"}, ["Hosting"]),
        ({"state": "expiring_soon"}, ["Domain soon"]),
        ({"state": "expired"}, ["Old licence"]),
        ({"state": "cancelled"}, ["Cancelled plan"]),
        (
            {"start_from": "2025-01-01", "start_to": "2025-12-31"},
            ["Domain soon", "Hosting"],
        ),
        ({"start_to": "2024-12-31"}, ["Cancelled plan", "Old licence"]),
    ],
)
def test_report_filters(staff_client, data, params, expected):
    response = staff_client.get(REPORT, params)

    assert response.status_code == 200
    assert labels(response) == expected
    assert response.context["totals"]["count"] == len(expected)


def test_report_filters_expiry_range_product_and_provenance(staff_client, data):
    today = data["today"]
    by_expiry = staff_client.get(
        REPORT,
        {
            "expiry_from": (today - timedelta(days=10)).isoformat(),
            "expiry_to": (today + timedelta(days=10)).isoformat(),
        },
    )
    by_product = staff_client.get(REPORT, {"product": data["hosting"].pk})
    by_provenance = staff_client.get(REPORT, {"provenance": data["web"].pk})

    assert labels(by_expiry) == ["Domain soon", "Old licence"]
    assert by_expiry.context["totals"]["amount"] == Decimal("27.75")
    assert labels(by_product) == ["Hosting"]
    assert labels(by_provenance) == ["Hosting", "Old licence"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start_from": "abc"}, "start_from", "Enter a date such as"),
        ({"expiry_to": "2026-02-31"}, "expiry_to", "Enter a date such as"),
        (
            {"expiry_from": "2026-05-01", "expiry_to": "2026-04-01"},
            "expiry_to",
            "ends before it begins",
        ),
        (
            {"start_from": "2026-05-01", "start_to": "2026-04-01"},
            "start_to",
            "ends before it begins",
        ),
        ({"product": "999999"}, "product", "not in the list"),
        ({"provenance": "x"}, "provenance", "not in the list"),
        ({"state": "sleeping"}, "state", "Select a valid choice"),
    ],
)
def test_report_bad_filters_show_form_errors(
    staff_client, data, params, field, message
):
    response = staff_client.get(REPORT, params)

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    html = response.content.decode()
    assert "Correct the filters marked above." in html
    assert response.context["totals"] == {"count": 0, "amount": Decimal("0.00")}


def test_report_needs_view_expiration(client):
    client.force_login(staff_with("customers.view_customer"))

    assert client.get(REPORT).status_code == 403
    assert client.get(reverse("expirations:report_csv")).status_code == 403
    assert client.get(reverse("expirations:report_pdf")).status_code == 403


def test_report_queries_constant(staff_client, data):
    staff_client.get(REPORT)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(REPORT)
    for _index in range(10):
        ExpirationFactory(product=data["hosting"], provenance=data["web"])
    with CaptureQueriesContext(connection) as many:
        staff_client.get(REPORT)

    assert len(many.captured_queries) == len(few.captured_queries)


def test_report_sort_and_paging(staff_client, data):
    response = staff_client.get(REPORT, {"sort": "-amount", "per_page": 25})

    amounts = [row.record.amount for row in response.context["table"].page.object_list]
    assert amounts == sorted(amounts, reverse=True)
    assert staff_client.get(REPORT, {"page": "99"}).status_code == 404


# --- CSV ---


def read_csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_follows_filters(staff_client, data):
    response = staff_client.get(
        reverse("expirations:report_csv"), {"provenance": data["web"].pk}
    )

    rows = read_csv(response)
    assert [row["Service"] for row in rows] == ["Old licence", "Hosting"]
    hosting = rows[1]
    assert hosting["Customer"] == "Ada Active"
    assert hosting["Amount"] == "100.00"
    assert hosting["Start date"] == "2025-01-10"
    assert hosting["State"] == "Active"
    assert hosting["Provenance"] == "Web"


def test_csv_export_neutralises_formulas(staff_client):
    customer = CustomerFactory(first_name="=cmd|' /C calc'!A0", last_name="")
    ExpirationFactory(customer=customer, item="+SUM(A1:A2)", notes="@evil")

    rows = read_csv(staff_client.get(reverse("expirations:report_csv")))

    assert rows[0]["Customer"].startswith("'=cmd")
    assert rows[0]["Service"] == "'+SUM(A1:A2)"
    assert rows[0]["Notes"] == "'@evil"


def test_csv_export_streams_many_rows_in_constant_queries(staff_client):
    ExpirationSettings.load()
    customer = CustomerFactory()
    Expiration.objects.bulk_create(
        Expiration(
            customer=customer,
            item=f"Row {index}",
            start_date=date(2026, 1, 1),
            expiry_date=date(2027, 1, 1),
            amount=Decimal("1.00"),
        )
        for index in range(reports.CSV_CHUNK + 50)
    )

    with CaptureQueriesContext(connection) as queries:
        rows = read_csv(staff_client.get(reverse("expirations:report_csv")))

    assert len(rows) == reports.CSV_CHUNK + 50
    # Session, user, permissions, settings, then the rows through one server-side
    # cursor: no query per row or per chunk.
    selects = [
        q["sql"]
        for q in queries.captured_queries
        if 'expirations_expiration"' in q["sql"]
    ]
    assert len(selects) == 1
    assert len(queries.captured_queries) < 10


def test_csv_export_bad_filters_show_the_form(staff_client):
    response = staff_client.get(
        reverse("expirations:report_csv"), {"start_from": "abc"}
    )

    assert response.status_code == 400
    assert "Enter a date such as" in response.content.decode()


# --- PDF ---


def document_text(document) -> str:
    """The text of weasyprint's laid-out pages."""
    from weasyprint.formatting_structure.boxes import TextBox

    return " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    )


def pdf_text(pdf: bytes, document) -> str:
    """The PDF's text: pdftotext when installed, else weasyprint's laid-out pages."""
    if shutil.which("pdftotext"):
        result = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        )
        return result.stdout.decode()
    return document_text(document)


def test_pdf_export(staff_client, data):
    response = staff_client.get(
        reverse("expirations:report_pdf"), {"provenance": data["web"].pk}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    document = reports.report_pdf_document(
        reports.report_queryset(
            {"provenance": data["web"]}, today=data["today"], soon_days=30
        ),
        {"provenance": data["web"]},
        today=data["today"],
        soon_days=30,
    )
    assert len(document.pages) == 1
    text = pdf_text(response.content, document)
    assert "Expirations report" in text
    assert "Hosting" in text and "Old licence" in text
    assert "Domain soon" not in text
    assert "107.25" in text
    assert "Provenance: Web" in text


def test_pdf_chart_writes_the_figures_on_the_bars(staff_client, monkeypatch):
    """Nothing can be hovered on paper: each month's amount is written above its
    bar, and the hint to hover is the web page's only."""
    import weasyprint

    ExpirationFactory(
        amount=Decimal("1234.50"),
        start_date=date(2026, 1, 1),
        expiry_date=date(2027, 3, 5),
    )
    ExpirationFactory(
        amount=Decimal("20.00"),
        start_date=date(2026, 1, 1),
        expiry_date=date(2027, 5, 1),
    )
    rendered = []
    real_html = weasyprint.HTML

    def recording_html(*args, **kwargs):
        rendered.append(kwargs["string"])
        return real_html(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", recording_html)

    response = staff_client.get(reverse("expirations:report_pdf"))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    (html,) = rendered
    chart = html[html.index('data-testid="report-chart"') :]
    chart = chart[: chart.index("</figure>")]
    assert "hover" not in chart
    figures = [
        part.split(">", 1)[1].split("<", 1)[0]
        for part in chart.split('<text class="report-bar-figure"')[1:]
    ]
    assert figures == ["1,234.50", "20.00"]
    assert "Amount expiring per month, in EUR: the figure above each bar" in chart
    page = staff_client.get(REPORT).content.decode()
    assert "hover a bar for the figures" in page
    assert "report-bar-figure" not in page


def test_pdf_export_caps_rows_and_says_so(monkeypatch, data):
    monkeypatch.setattr(reports, "PDF_MAX_ROWS", 2)
    rows = reports.report_queryset({}, today=data["today"], soon_days=30)

    document = reports.report_pdf_document(rows, {}, today=data["today"], soon_days=30)

    text = document_text(document)
    assert "The first 2 are listed" in text
    assert "4 expirations" in text
    assert text.count("Cancelled plan") + text.count("Old licence") <= 1


def test_pdf_export_bad_filters_show_the_form(staff_client):
    response = staff_client.get(
        reverse("expirations:report_pdf"), {"expiry_from": "2026-13-01"}
    )

    assert response.status_code == 400
    assert "Enter a date such as" in response.content.decode()


def test_report_charts_the_amount_expiring_per_month(staff_client):
    ExpirationFactory(
        item="A",
        amount=Decimal("30.00"),
        start_date=date(2026, 1, 1),
        expiry_date=date(2027, 3, 5),
    )
    ExpirationFactory(
        item="B",
        amount=Decimal("10.00"),
        start_date=date(2026, 1, 1),
        expiry_date=date(2027, 3, 28),
    )
    ExpirationFactory(
        item="C",
        amount=Decimal("20.00"),
        start_date=date(2026, 1, 1),
        expiry_date=date(2027, 5, 1),
    )
    response = staff_client.get(REPORT)
    bars = response.context["chart"]["bars"]
    assert [(bar["month"], bar["amount"], bar["count"]) for bar in bars] == [
        (date(2027, 3, 1), Decimal("40.00"), 2),
        (date(2027, 5, 1), Decimal("20.00"), 1),
    ]
    # The highest month fills the chart, the others in proportion.
    assert [bar["height"] for bar in bars] == [reports.CHART_HEIGHT, 40]
    html = response.content.decode()
    assert 'data-testid="report-chart"' in html
    assert "03/27" in html

    filtered = staff_client.get(REPORT, {"expiry_from": "2027-04-01"})
    assert len(filtered.context["chart"]["bars"]) == 1
    empty = staff_client.get(REPORT, {"expiry_from": "2030-01-01"})
    assert empty.context["chart"] is None
    assert 'data-testid="report-chart"' not in empty.content.decode()
