"""The expirations report, on the report engine: the old page and its CSV and PDF
exports redirect to the builder's preset on the ``expirations`` source with the
same choices (inclusive end days become half-open ranges), and the figures, the
bad input and the exports are the engine's."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

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


BUILDER = reverse("reports:page", args=["expirations"])


def redirected(response) -> tuple[str, dict[str, list[str]]]:
    assert response.status_code == 302
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query)


def totals(response) -> list[str]:
    return [cell.text for cell in response.context["table"].totals]


def test_report_is_in_the_staff_menu(staff_client):
    html = staff_client.get("/staff/").content.decode()
    assert reverse("expirations:report") in html
    assert "Expirations report" in html


def test_report_redirects_to_the_builders_preset(staff_client, data):
    path, query = redirected(staff_client.get(REPORT))

    assert path == BUILDER
    assert query == {
        "rows": ["month"],
        "measures": [
            "count",
            "amount",
            "active",
            "active_amount",
            "ended",
            "ended_amount",
        ],
        "chart": ["bar"],
    }


def test_report_without_filters_shows_all_with_totals_by_month(staff_client, data):
    """4 expirations, 128.75: active = Hosting and Domain soon (120.50), ended =
    the expired licence and the cancelled plan (8.25)."""
    response = staff_client.get(REPORT, follow=True)

    assert response.status_code == 200
    assert totals(response) == ["Total", "4", "128.75", "2", "120.50", "2", "8.25"]
    months = [row[0].text for row in response.context["table"].body]
    today = data["today"]
    assert months[0] == (today - timedelta(days=3)).strftime("%Y-%m")
    assert months[-1] == (today + timedelta(days=200)).strftime("%Y-%m")
    assert response.context["chart"]["labels"] == months


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "active"}, ["1", "100.00"]),
        ({"state": "expiring_soon"}, ["1", "20.50"]),
        ({"state": "expired"}, ["1", "7.25"]),
        ({"state": "cancelled"}, ["1", "1.00"]),
        # Inclusive ends, as the old page had them: 2025-12-31 is kept.
        ({"start_from": "2025-01-01", "start_to": "2025-12-31"}, ["2", "120.50"]),
        ({"start_to": "2024-12-31"}, ["2", "8.25"]),
        ({"start_to": "2024-01-01"}, ["2", "8.25"]),
        ({"start_to": "2023-12-31"}, ["0", "0.00"]),
    ],
)
def test_report_filters(staff_client, data, params, expected):
    response = staff_client.get(REPORT, params, follow=True)

    assert response.status_code == 200
    assert totals(response)[1:3] == expected


def test_report_filters_expiry_range_product_and_provenance(staff_client, data):
    today = data["today"]
    path, query = redirected(
        staff_client.get(
            REPORT,
            {
                "expiry_from": today.isoformat(),
                "expiry_to": (today + timedelta(days=5)).isoformat(),
                "provenance": data["fair"].pk,
            },
        )
    )
    assert query["date_from"] == [today.isoformat()]
    # The old page's last day, kept: the builder's end is the day after.
    assert query["date_to"] == [(today + timedelta(days=6)).isoformat()]
    assert query["filter_provenance"] == [str(data["fair"].pk)]

    response = staff_client.get(path, query)
    assert totals(response)[1:3] == ["1", "20.50"]
    product = staff_client.get(
        REPORT,
        {"product": data["hosting"].pk, "provenance": data["web"].pk},
        follow=True,
    )
    assert totals(product)[1:3] == ["1", "100.00"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start_from": "nope"}, "__all__", "not a value of the filter start_from"),
        ({"expiry_from": "2026-13-01"}, "date_from", ""),
        (
            {"expiry_from": "2026-05-01", "expiry_to": "2026-04-01"},
            "date_to",
            "",
        ),
        ({"state": "sleeping"}, "filter_state", "sleeping"),
    ],
)
def test_report_bad_filters_show_the_builders_errors(
    staff_client, data, params, field, message
):
    response = staff_client.get(REPORT, params, follow=True)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in error for error in errors[field])
    assert response.context["table"] is None


def test_report_needs_view_expiration(client):
    client.force_login(staff_with("customers.view_customer"))

    assert client.get(REPORT).status_code == 403
    assert client.get(reverse("expirations:report_csv")).status_code == 403
    assert client.get(reverse("expirations:report_pdf")).status_code == 403
    # Nor does the builder show the source.
    assert client.get(BUILDER).status_code == 403


def test_csv_export_is_the_engines_with_the_same_filters(staff_client, data):
    response = staff_client.get(
        reverse("expirations:report_csv"), {"provenance": data["web"].pk}
    )
    path, query = redirected(response)
    assert path == reverse("reports:export", args=["expirations", "csv"])

    exported = staff_client.get(path, query)
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert rows[0][:3] == ["Month", "Expirations", "Amount"]
    # Web: the expired licence (7.25) and Hosting (100.00).
    assert rows[-1][:7] == ["Total", "2", "107.25", "1", "100.00", "1", "7.25"]


def test_pdf_export_is_the_engines(staff_client, data):
    path, query = redirected(staff_client.get(reverse("expirations:report_pdf")))
    assert path == reverse("reports:export", args=["expirations", "pdf"])

    exported = staff_client.get(path, query)
    assert exported["Content-Type"] == "application/pdf"
    assert exported.content.startswith(b"%PDF")
