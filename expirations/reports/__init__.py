"""The expirations report: filtered rows, their totals, the table and the exports.

The CSV streams every row (read in chunks, written as it goes); the PDF lists at
most ``PDF_MAX_ROWS`` rows, with the totals of all of them, and says so.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import django_tables2 as tables
from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.csv_cells import csv_cell_safe
from core.money import money_format
from core.tables import StaffTable
from expirations.models import Expiration
from expirations.selectors import state_condition

ZERO = Decimal("0.00")
PDF_MAX_ROWS = 1000
CSV_CHUNK = 2000


def report_queryset(filters: dict, *, today: date, soon_days: int) -> QuerySet:
    """The expirations matching the report's (cleaned) filters."""
    rows = Expiration.objects.all()
    if filters.get("start_from"):
        rows = rows.filter(start_date__gte=filters["start_from"])
    if filters.get("start_to"):
        rows = rows.filter(start_date__lte=filters["start_to"])
    if filters.get("expiry_from"):
        rows = rows.filter(expiry_date__gte=filters["expiry_from"])
    if filters.get("expiry_to"):
        rows = rows.filter(expiry_date__lte=filters["expiry_to"])
    if filters.get("product"):
        rows = rows.filter(product=filters["product"])
    if filters.get("provenance"):
        rows = rows.filter(provenance=filters["provenance"])
    if filters.get("state"):
        rows = rows.filter(
            state_condition(filters["state"], today=today, soon_days=soon_days)
        )
    return rows


def report_rows(rows: QuerySet) -> QuerySet:
    """What each row shows, in one query (no query per row)."""
    return rows.select_related(
        "customer", "product", "provenance", "bank_institute"
    ).order_by("expiry_date", "id")


def report_totals(rows: QuerySet) -> dict:
    return rows.aggregate(count=Count("id"), amount=Sum("amount", default=ZERO))


CHART_HEIGHT = 80
CHART_BAR_STEP = 24
CHART_BAR_WIDTH = 18
CHART_MAX_MONTHS = 36
# Room above the bars for their figures where nothing can be hovered (the PDF).
CHART_FIGURES_ROOM = 56


def report_months_chart(rows: QuerySet) -> dict | None:
    """The amount expiring per month of the filtered rows, as bars of an SVG chart.

    The first ``CHART_MAX_MONTHS`` months with expiries are drawn (the report's date
    filters narrow it); ``None`` when there is nothing to draw.
    """
    months = list(
        rows.annotate(month=TruncMonth("expiry_date"))
        .values("month")
        .annotate(amount=Sum("amount", default=ZERO), count=Count("id"))
        .order_by("month")[:CHART_MAX_MONTHS]
    )
    if not months:
        return None
    highest = max(month["amount"] for month in months) or Decimal(1)
    bars = []
    for position, month in enumerate(months):
        height = int(CHART_HEIGHT * month["amount"] / highest)
        bars.append(
            {
                **month,
                "x": position * CHART_BAR_STEP,
                "y": CHART_HEIGHT - height,
                "height": height,
                "label_x": position * CHART_BAR_STEP + CHART_BAR_WIDTH / 2,
            }
        )
    return {
        "bars": bars,
        "width": len(bars) * CHART_BAR_STEP,
        "height": CHART_HEIGHT,
        "bar_width": CHART_BAR_WIDTH,
        "figures_room": CHART_FIGURES_ROOM,
        "currency": settings.CURRENCY,
    }


def state_label(expiration: Expiration, *, today: date, soon_days: int) -> str:
    return str(Expiration.State(expiration.state_on(today, soon_days)).label)


class ReportTable(StaffTable):
    customer = tables.Column(
        verbose_name=_lazy("Customer"),
        order_by=("customer__last_name", "customer__first_name", "id"),
        linkify=("expirations:staff_tab", {"pk": tables.A("customer_id")}),
    )
    label = tables.Column(
        verbose_name=_lazy("Service"),
        accessor="pk",
        order_by=("product__name", "item", "id"),
    )
    quantity = tables.Column(
        verbose_name=_lazy("Qty"),
        attrs={"td": {"class": "number"}, "th": {"class": "number"}},
    )
    amount = tables.Column(
        verbose_name=_lazy("Amount"),
        attrs={"td": {"class": "number"}, "th": {"class": "number"}},
    )
    start_date = tables.DateColumn(
        verbose_name=_lazy("Start"), format="SHORT_DATE_FORMAT"
    )
    expiry_date = tables.DateColumn(
        verbose_name=_lazy("Expiry"),
        format="SHORT_DATE_FORMAT",
        order_by=("expiry_date", "id"),
    )
    state = tables.Column(
        verbose_name=_lazy("State"), accessor="pk", orderable=False, empty_values=()
    )
    provenance = tables.Column(
        verbose_name=_lazy("Provenance"), order_by=("provenance__name", "id")
    )
    bank_institute = tables.Column(
        verbose_name=_lazy("Bank institute"), order_by=("bank_institute__name", "id")
    )

    class Meta(StaffTable.Meta):
        model = Expiration
        fields = (
            "customer",
            "label",
            "quantity",
            "amount",
            "start_date",
            "expiry_date",
            "state",
            "provenance",
            "bank_institute",
        )
        order_by = ("expiry_date",)

    def __init__(self, *args, today: date, soon_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.soon_days = soon_days

    def render_label(self, record):
        return record.label

    def render_amount(self, value):
        return money_format(value)

    def render_state(self, record):
        return state_label(record, today=self.today, soon_days=self.soon_days)


CSV_HEADER = (
    _lazy("Customer"),
    _lazy("E-mail"),
    _lazy("Service"),
    _lazy("Quantity"),
    _lazy("Amount"),
    _lazy("Start date"),
    _lazy("Expiry date"),
    _lazy("State"),
    _lazy("Provenance"),
    _lazy("Bank institute"),
    _lazy("Renewals"),
    _lazy("Notes"),
)


class _Echo:
    """A file-like object that hands back what the csv writer writes."""

    def write(self, value):
        return value


def report_csv_lines(rows: QuerySet, *, today: date, soon_days: int) -> Iterator[str]:
    """The CSV, line by line: amounts as plain decimals (12.50), ISO dates.

    Every cell goes through ``csv_cell_safe``: text from people never runs as a
    spreadsheet formula.
    """
    writer = csv.writer(_Echo())
    header = [csv_cell_safe(str(title)) for title in CSV_HEADER]
    yield "\ufeff" + writer.writerow(header)
    for expiration in report_rows(rows).iterator(chunk_size=CSV_CHUNK):
        customer = expiration.customer
        yield writer.writerow(
            [
                csv_cell_safe(value)
                for value in (
                    customer.full_name or customer.email,
                    customer.email,
                    expiration.label,
                    expiration.quantity,
                    f"{expiration.amount:.2f}",
                    expiration.start_date.isoformat(),
                    expiration.expiry_date.isoformat(),
                    state_label(expiration, today=today, soon_days=soon_days),
                    expiration.provenance.name if expiration.provenance else "",
                    expiration.bank_institute.name if expiration.bank_institute else "",
                    expiration.renewal_count,
                    expiration.notes,
                )
            ]
        )


def filters_described(filters: dict) -> list[tuple[str, str]]:
    """The filters in use, as (label, value) pairs for the PDF's heading."""
    described = []
    for start, end, label in (
        ("start_from", "start_to", _("Start date")),
        ("expiry_from", "expiry_to", _("Expiry date")),
    ):
        low, high = filters.get(start), filters.get(end)
        if low or high:
            described.append(
                (
                    label,
                    "{} – {}".format(
                        date_format(low, "SHORT_DATE_FORMAT") if low else "…",
                        date_format(high, "SHORT_DATE_FORMAT") if high else "…",
                    ),
                )
            )
    if filters.get("product"):
        described.append((_("Product"), str(filters["product"])))
    if filters.get("provenance"):
        described.append((_("Provenance"), str(filters["provenance"])))
    if filters.get("state"):
        described.append((_("State"), str(Expiration.State(filters["state"]).label)))
    return described


def report_pdf(rows: QuerySet, filters: dict, *, today: date, soon_days: int) -> bytes:
    """The report as a PDF (weasyprint): totals of all rows, the first rows listed."""
    return report_pdf_document(
        rows, filters, today=today, soon_days=soon_days
    ).write_pdf()


def report_pdf_document(rows: QuerySet, filters: dict, *, today: date, soon_days: int):
    """The laid-out pages of the PDF (a weasyprint ``Document``)."""
    from weasyprint import HTML

    totals = report_totals(rows)
    listed = list(report_rows(rows)[:PDF_MAX_ROWS])
    for expiration in listed:
        expiration.state_text = state_label(
            expiration, today=today, soon_days=soon_days
        )
    html = render_to_string(
        "expirations/staff/report_pdf.html",
        {
            "rows": listed,
            "totals": totals,
            "chart": report_months_chart(rows),
            "truncated": totals["count"] > len(listed),
            "max_rows": PDF_MAX_ROWS,
            "filters": filters_described(filters),
            "today": today,
        },
    )
    return HTML(string=html).render()
