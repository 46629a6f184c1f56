"""The schedule page of a saved report: add, change or remove its e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from core.mixins import StaffRequiredMixin
from reports.models import ReportSchedule, SavedReport
from reports.schedules.forms import ScheduleForm
from reports.schedules.services import (
    schedule_can_change,
    schedule_delete,
    schedule_save,
    skip_reason_label,
)
from reports.selectors import saved_reports_visible

RUNS_SHOWN = 10


class ScheduleMixin(StaffRequiredMixin):
    def report_get(self, request, pk: int) -> SavedReport:
        report = get_object_or_404(saved_reports_visible(request.user), pk=pk)
        if not schedule_can_change(request.user, report):
            raise PermissionDenied(
                _("Only the person who saved this report may schedule it.")
            )
        return report


def _schedule_of(report: SavedReport) -> ReportSchedule | None:
    return ReportSchedule.objects.filter(report=report).first()


def _render(request, report: SavedReport, form: ScheduleForm, *, status: int = 200):
    schedule = _schedule_of(report)
    runs = list(schedule.runs.all()[:RUNS_SHOWN]) if schedule else []
    return render(
        request,
        "reports/schedule_form.html",
        {
            "title": _("Schedule “%(name)s”") % {"name": report.name},
            "report": report,
            "schedule": schedule,
            "form": form,
            "runs": [
                {
                    "run": run,
                    "skipped": [
                        f"{skip['email']}: {skip_reason_label(skip['reason'])}"
                        for skip in run.skipped
                    ],
                }
                for run in runs
            ],
        },
        status=status,
    )


class ScheduleEditView(ScheduleMixin, View):
    def get(self, request, pk: int):
        report = self.report_get(request, pk)
        form = ScheduleForm(
            initial=ScheduleForm.initial_of(_schedule_of(report), request.user)
        )
        return _render(request, report, form)

    def post(self, request, pk: int):
        report = self.report_get(request, pk)
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            return _render(request, report, form, status=400)
        data = form.cleaned_data
        try:
            schedule_save(
                report=report,
                user=request.user,
                frequency=data["frequency"],
                weekday=data["weekday"],
                time_of_day=data["time_of_day"],
                format=data["format"],
                recipients=list(data["recipients"]),
                skip_empty=data["skip_empty"],
                active=data["active"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return _render(request, report, form, status=400)
        messages.success(request, _("Schedule saved."))
        return redirect(reverse("reports:schedule", args=[report.pk]))


class ScheduleDeleteView(ScheduleMixin, View):
    def post(self, request, pk: int):
        report = self.report_get(request, pk)
        schedule_delete(report=report, user=request.user)
        messages.success(request, _("Schedule removed."))
        return redirect(reverse("reports:index"))
