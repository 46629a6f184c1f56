"""The expirations report and its CSV and PDF exports."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from core.mixins import StaffRequiredMixin
from core.tables import PAGE_SIZES, paginate
from expirations import reports
from expirations.forms.staff import (
    ReportFilterForm,
)
from expirations.models import Expiration, ExpirationSettings
from expirations.views.staff.card import REPORT


class ReportMixin(StaffRequiredMixin):
    permission_required = REPORT

    def report_setup(self):
        """The bound filter form, and the matching rows (none if the form is bad)."""
        form = ReportFilterForm(self.request.GET or None)
        self.today = timezone.localdate()
        self.soon_days = ExpirationSettings.load().quick_renew_days
        if form.is_bound and not form.is_valid():
            return form, Expiration.objects.none(), {}
        filters = form.cleaned_data if form.is_bound else {}
        rows = reports.report_queryset(
            filters, today=self.today, soon_days=self.soon_days
        )
        return form, rows, filters


class ReportView(ReportMixin, TemplateView):
    template_name = "expirations/staff/report.html"

    def get_context_data(self, **kwargs):
        form, rows, _filters = self.report_setup()
        table = reports.ReportTable(
            reports.report_rows(rows),
            order_by=self.request.GET.get("sort") or None,
            today=self.today,
            soon_days=self.soon_days,
        )
        paginate(table, self.request)
        query = self.request.GET.copy()
        for name in ("page", "sort", "per_page"):
            query.pop(name, None)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "table": table,
            "totals": reports.report_totals(rows),
            "chart": reports.report_months_chart(rows),
            "export_query": query.urlencode(),
            "page_sizes": PAGE_SIZES,
            "title": _("Expirations report"),
        }

    def render_to_response(self, context, **response_kwargs):
        if context["form"].errors:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


def _export_name(extension: str) -> str:
    return f"expirations-{timezone.localdate().isoformat()}.{extension}"


class ReportCsvView(ReportMixin, View):
    def get(self, request, *args, **kwargs):
        form, rows, _filters = self.report_setup()
        if form.errors:
            return report_with_errors(request, form)
        response = StreamingHttpResponse(
            reports.report_csv_lines(rows, today=self.today, soon_days=self.soon_days),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{_export_name("csv")}"'
        )
        return response


class ReportPdfView(ReportMixin, View):
    def get(self, request, *args, **kwargs):
        form, rows, filters = self.report_setup()
        if form.errors:
            return report_with_errors(request, form)
        pdf = reports.report_pdf(
            rows, filters, today=self.today, soon_days=self.soon_days
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{_export_name("pdf")}"'
        )
        return response


def report_with_errors(request, form):
    """An export with bad filters: the report page, showing what to correct."""
    return render(
        request,
        "expirations/staff/report.html",
        {
            "form": form,
            "table": None,
            "totals": None,
            "export_query": "",
            "title": _("Expirations report"),
        },
        status=400,
    )


# --- Settings: reminders, quick-renew window, the provenance and bank lists ---
