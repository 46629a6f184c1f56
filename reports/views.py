"""The staff report pages: the report builder of a source (table, chart,
exports) and the saved reports (save, rename, delete, pin to the dashboard).

A source the staff member may not see is not offered, and its pages answer 403;
an unknown source answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core import plugins
from core.mixins import StaffRequiredMixin
from core.reporting import ReportSource
from reports.exports import (
    FORMATS,
    PDF_MAX_ROWS,
    pdf_too_long_message,
    pivot_csv_lines,
    pivot_xlsx,
    report_csv_lines,
    report_pdf,
    report_xlsx,
)
from reports.forms import (
    ReportForm,
    SavedReportForm,
    SavedReportRenameForm,
    choices_query,
    report_form_data,
)
from reports.models import ReportSchedule, SavedReport
from reports.presentation import (
    ReportFigures,
    report_chart,
    report_table,
    report_view_compute,
)
from reports.query import ReportQueryError
from reports.schedules.services import schedule_can_change
from reports.selectors import saved_reports_visible
from reports.selectors.saved import saved_report_is_pinned
from reports.services import (
    saved_report_create,
    saved_report_delete,
    saved_report_pin,
    saved_report_rename,
)
from reports.svg import chart_svg


def sources_allowed(user) -> list[ReportSource]:
    return [source for source in plugins.report_sources if source.allowed(user)]


def source_get(user, key: str) -> ReportSource:
    """The source named in the URL: 404 unknown, 403 not permitted."""
    source = plugins.report_sources.get(key)
    if source is None:
        raise Http404(_("There is no such report."))
    if not source.allowed(user):
        raise PermissionDenied(_("You may not see this report."))
    return source


def report_form_compute(
    form: ReportForm, user
) -> tuple[ReportFigures | None, dict[str, Any] | None]:
    """The figures and the chart of a valid form; ``(None, None)`` for a form
    with errors (the engine's refusals, e.g. too many rows, land on it)."""
    if not form.is_valid():
        return None, None
    try:
        figures = report_view_compute(form.query, user)
    except ReportQueryError as error:
        form.add_error(None, error.message)
        return None, None
    return figures, report_chart(
        figures, form.cleaned_data["chart"], form.cleaned_data["chart_measure"]
    )


def _query_string(form: ReportForm) -> str:
    data = form.data
    return data.urlencode() if isinstance(data, QueryDict) else ""


class ReportIndexView(StaffRequiredMixin, TemplateView):
    """The sources this staff member may see, and the saved reports."""

    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        saved = list(
            saved_reports_visible(user).prefetch_related("pinned_by", "unpinned_by")
        )
        return {
            **super().get_context_data(**kwargs),
            "title": _("Reports"),
            "sources": sources_allowed(user),
            "saved": _saved_rows(saved, user),
        }


def _scheduled(report: SavedReport) -> bool:
    try:
        schedule = report.schedule
    except ReportSchedule.DoesNotExist:
        return False
    return schedule.active


def _saved_rows(saved: list[SavedReport], user) -> list[dict[str, Any]]:
    sources = {source.key: source for source in plugins.report_sources}
    return [
        {
            "report": report,
            "source": sources.get(report.source_key),
            "mine": report.owner_id == user.pk,
            "pinned": saved_report_is_pinned(report, user),
            "scheduled": _scheduled(report),
            "can_schedule": schedule_can_change(user, report),
        }
        for report in saved
    ]


class ReportPageView(StaffRequiredMixin, TemplateView):
    template_name = "reports/report.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        source = source_get(user, self.kwargs["source"])
        form = ReportForm(report_form_data(source, self.request.GET), source=source)
        figures, chart = report_form_compute(form, user)
        saved = list(
            saved_reports_visible(user)
            .filter(source_key=source.key)
            .prefetch_related("pinned_by", "unpinned_by")
        )
        return {
            **super().get_context_data(**kwargs),
            "title": str(source.label),
            "source": source,
            "sources": sources_allowed(user),
            "form": form,
            "figures": figures,
            "table": report_table(figures, form.data) if figures else None,
            "chart": chart,
            "query_string": _query_string(form),
            "save_form": SavedReportForm(),
            "saved": _saved_rows(saved, user),
        }

    def render_to_response(self, context, **response_kwargs):
        if context["form"].errors:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class ReportExportView(StaffRequiredMixin, View):
    """The page's report as CSV (streamed), XLSX or PDF (with its chart): the
    same query string, so exactly the figures shown."""

    def get(self, request, source: str, fmt: str):
        report_source = source_get(request.user, source)
        if fmt not in FORMATS:
            raise Http404(_("There is no such export."))
        form = ReportForm(
            report_form_data(report_source, request.GET), source=report_source
        )
        figures, chart = report_form_compute(form, request.user)
        if figures is None or chart is None:
            return _page_with_errors(request, report_source, form)
        result = figures.result
        name = f"{report_source.key}-{timezone.localdate().isoformat()}.{fmt}"
        # A pivot is exported as the page shows it; one dimension, as the
        # engine writes it (the same rows, with date cells in the XLSX).
        table = report_table(figures) if figures.is_pivot else None
        if fmt == "csv":
            response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
                pivot_csv_lines(table)
                if table
                else report_csv_lines(result, labelled=True),
                content_type="text/csv; charset=utf-8",
            )
        elif fmt == "xlsx":
            response = HttpResponse(
                pivot_xlsx(table, report_source.key) if table else report_xlsx(result),
                content_type=(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                ),
            )
        else:
            if len(result.rows) > PDF_MAX_ROWS:
                form.add_error(None, pdf_too_long_message())
                return _page_with_errors(request, report_source, form)
            response = HttpResponse(
                report_pdf(
                    result,
                    chart_svg=chart_svg(chart),
                    table=table,
                    chart_measure=chart["measure"],
                ),
                content_type="application/pdf",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _page_with_errors(request, source: ReportSource, form: ReportForm):
    return render(
        request,
        "reports/report.html",
        {
            "title": str(source.label),
            "source": source,
            "sources": sources_allowed(request.user),
            "form": form,
            "figures": None,
            "table": None,
            "chart": None,
            "query_string": _query_string(form),
            "save_form": SavedReportForm(),
            "saved": [],
        },
        status=400,
    )


class SavedReportCreateView(StaffRequiredMixin, View):
    """Saves the page's choices (posted as its query string) under a name."""

    def post(self, request, source: str):
        report_source = source_get(request.user, source)
        data = report_form_data(report_source, QueryDict(request.POST.get("query", "")))
        form = ReportForm(data, source=report_source)
        save_form = SavedReportForm(request.POST)
        page = reverse("reports:page", args=[report_source.key])
        back = f"{page}?{data.urlencode()}"
        if not form.is_valid():
            messages.error(request, _("Correct the report's choices before saving it."))
            return redirect(back)
        if not save_form.is_valid():
            messages.error(request, _("Give the report a name and choose who sees it."))
            return redirect(back)
        try:
            saved = saved_report_create(
                owner=request.user,
                name=save_form.cleaned_data["name"],
                source_key=report_source.key,
                choices=form.choices_json(),
                visibility=save_form.cleaned_data["visibility"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        messages.success(request, _("Report “%(name)s” saved.") % {"name": saved.name})
        return redirect(back)


class SavedReportMixin(StaffRequiredMixin):
    def saved_get(self, request, pk: int) -> SavedReport:
        return get_object_or_404(saved_reports_visible(request.user), pk=pk)


class SavedReportOpenView(SavedReportMixin, View):
    def get(self, request, pk: int):
        saved = self.saved_get(request, pk)
        page = reverse("reports:page", args=[saved.source_key])
        return redirect(f"{page}?{choices_query(saved.choices).urlencode()}")


class SavedReportRenameView(SavedReportMixin, View):
    def post(self, request, pk: int):
        saved = self.saved_get(request, pk)
        form = SavedReportRenameForm(request.POST, instance=saved)
        if not form.is_valid():
            messages.error(request, _("Give the report a name."))
        else:
            try:
                saved_report_rename(
                    report=SavedReport.objects.get(pk=saved.pk),
                    user=request.user,
                    name=form.cleaned_data["name"],
                    visibility=request.POST.get("visibility") or None,
                )
                messages.success(request, _("Report renamed."))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect(_back(request))


class SavedReportDeleteView(SavedReportMixin, View):
    def post(self, request, pk: int):
        saved = self.saved_get(request, pk)
        saved_report_delete(report=saved, user=request.user)
        messages.success(request, _("Report “%(name)s” deleted.") % {"name": saved})
        return redirect(_back(request))


class SavedReportPinView(SavedReportMixin, View):
    def post(self, request, pk: int):
        saved = self.saved_get(request, pk)
        pinned = request.POST.get("pinned") != "0"
        try:
            saved_report_pin(report=saved, user=request.user, pinned=pinned)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Pinned to your dashboard.")
                if pinned
                else _("Removed from your dashboard."),
            )
        return redirect(_back(request))


def _back(request) -> str:
    """Where a saved report's action returns: the page it was posted from (a
    path of this site only), else the reports' index."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("reports:index")
