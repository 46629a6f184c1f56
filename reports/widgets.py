"""The dashboard's "Pinned reports" widget: each saved report a staff member
pinned, as its chart and its totals."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import plugins
from reports.exports import figure_text
from reports.forms import ReportForm, choices_query
from reports.presentation import report_chart, report_view_compute
from reports.query import ReportQueryError
from reports.selectors import saved_reports_pinned
from reports.services import saved_reports_builtin_ensure


def pinned_reports_context(request: HttpRequest) -> dict[str, Any] | None:
    """The pinned reports that still compute (a source switched off, or
    choices the source no longer has, are left out); ``None`` when there are
    none, so the widget is not shown. The built-in dashboard reports (e.g. the
    balance's) are created on first use and come first, each with its small
    extra part (``ReportPreset.extra_template``) under its totals."""
    user = request.user
    saved_reports_builtin_ensure(user=user)
    shown = []
    for saved in saved_reports_pinned(user):
        source = plugins.report_sources.get(saved.source_key)
        if source is None:
            continue
        preset = source.preset(saved.preset_key) if saved.preset_key else None
        extra = None
        extra_template = ""
        if preset is not None and preset.extra_context is not None:
            extra = preset.extra_context(request)
            extra_template = preset.extra_template if extra is not None else ""
        form = ReportForm(choices_query(saved.choices), source=source)
        if not form.is_valid():
            continue
        try:
            figures = report_view_compute(form.query, user)
        except ReportQueryError:
            continue
        result = figures.result
        shown.append(
            {
                "saved": saved,
                # A built-in report is named in the staff member's language.
                "name": preset.label if preset else saved.name,
                "extra_template": extra_template,
                "extra": extra,
                "chart": report_chart(
                    figures,
                    form.cleaned_data["chart"],
                    form.cleaned_data["chart_measure"],
                ),
                "chart_id": f"report-chart-{saved.pk}",
                "totals": [
                    (
                        str(column.label),
                        figure_text(column, result.totals.values[column.key]),
                    )
                    for column in result.measure_columns
                ],
                "notes": result.notes,
            }
        )
    if not shown:
        return None
    return {"reports": shown}


def sources_any_allowed(request: HttpRequest) -> bool:
    """The Reports menu's link shows to staff who may see a source at least."""
    return any(source.allowed(request.user) for source in plugins.report_sources)


def register() -> None:
    plugins.dashboard_widgets.register(
        plugins.DashboardWidget(
            "reports.pinned",
            _("Pinned reports"),
            "reports/widget_pinned.html",
            pinned_reports_context,
            order=30,
            wide=True,
        )
    )
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "reports.index",
            _("Report builder"),
            "reports:index",
            # After the expirations report (70): the drop-down stays where it was.
            order=75,
            shown=sources_any_allowed,
            group=plugins.STAFF_MENU_REPORTS,
        )
    )
