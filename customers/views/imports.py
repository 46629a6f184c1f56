"""The CSV import wizard: upload, mapping, preview, then the job's progress.

Every page needs ``customers.import_customer``; a member of staff sees only the
imports they started (another's import answers 404).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View

from core.middleware import upload_allowance
from core.mixins import StaffRequiredMixin
from customers import importing, selectors
from customers.forms.imports import (
    MAX_UPLOAD_BYTES,
    ImportMappingForm,
    ImportStartForm,
    ImportUploadForm,
)
from customers.models import ImportJob
from customers.services import imports

PREVIEW_ROWS = 20
PREVIEW_PROBLEMS = 100
PROGRESS_ERRORS = 100


def job_url(job: ImportJob) -> str:
    """The page where a job stands: its mapping until it starts, then its progress."""
    if job.status == ImportJob.Status.UPLOADED:
        return reverse("customers:import_mapping", kwargs={"pk": job.pk})
    return reverse("customers:import_progress", kwargs={"pk": job.pk})


class ImportMixin(StaffRequiredMixin):
    permission_required = "customers.import_customer"

    def get_job(self) -> ImportJob:
        if not hasattr(self, "_job"):
            self._job = get_object_or_404(
                selectors.import_jobs_of(self.request.user), pk=self.kwargs["pk"]
            )
        return self._job


class ImportStepMixin(ImportMixin):
    """Mapping and preview: only while the job waits to start."""

    def get(self, request, *args, **kwargs):
        if self.get_job().status != ImportJob.Status.UPLOADED:
            return redirect(job_url(self.get_job()))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.get_job().status != ImportJob.Status.UPLOADED:
            messages.info(request, _("This import has already started."))
            return redirect(job_url(self.get_job()))
        return super().post(request, *args, **kwargs)


class ImportUploadView(ImportMixin, FormView):
    template_name = "customers/import_upload.html"
    form_class = ImportUploadForm
    request_body_max_bytes = upload_allowance(MAX_UPLOAD_BYTES)
    extra_context = {"title": _("Import customers")}

    def get_context_data(self, **kwargs):
        jobs = selectors.import_jobs_of(self.request.user)[:10]
        return {
            **super().get_context_data(**kwargs),
            "jobs": [(job, job_url(job)) for job in jobs],
        }

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_job_create(
                file=upload,
                original_name=upload.name,
                created_by=self.request.user,
                encoding=form.cleaned_data["encoding"],
                delimiter=form.cleaned_data["delimiter"],
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        return redirect("customers:import_mapping", pk=job.pk)


class ImportMappingView(ImportStepMixin, FormView):
    template_name = "customers/import_mapping.html"
    form_class = ImportMappingForm
    extra_context = {"title": _("Import customers: columns")}

    def get_form_kwargs(self):
        job = self.get_job()
        try:
            sample = imports.import_job_sample(job=job)
        except (importing.UnreadableFile, OSError):
            sample = []
        return {
            **super().get_form_kwargs(),
            "job": job,
            "samples": importing.column_samples(
                [(0, row) for row in sample], len(job.headers)
            ),
        }

    def get_context_data(self, **kwargs):
        job = self.get_job()
        return {
            **super().get_context_data(**kwargs),
            "job": job,
            "encoding": importing.ENCODING_NAMES.get(job.encoding, job.encoding),
            "delimiter": importing.DELIMITER_NAMES.get(job.delimiter, job.delimiter),
        }

    def form_valid(self, form):
        try:
            imports.import_job_map(
                job=self.get_job(),
                mapping=form.mapping(),
                date_format=form.cleaned_data["date_format"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return redirect("customers:import_preview", pk=self.get_job().pk)


class ImportPreviewView(ImportStepMixin, FormView):
    template_name = "customers/import_preview.html"
    form_class = ImportStartForm
    extra_context = {"title": _("Import customers: preview")}

    def get_context_data(self, **kwargs):
        job = self.get_job()
        context = super().get_context_data(**kwargs)
        by_column, general = importing.mapping_problems(job.mapping, job.headers)
        if by_column or general:
            context["mapping_problems"] = [*general, *by_column.values()]
            return {**context, "job": job}
        try:
            check = imports.import_job_check(
                job=job, sample_size=PREVIEW_ROWS, problems_size=PREVIEW_PROBLEMS
            )
        except importing.UnreadableFile as error:
            return {**context, "job": job, "unreadable": error.message}
        columns = sorted(
            (int(index), importing.FIELDS_BY_NAME[name])
            for index, name in job.mapping.items()
        )
        return {
            **context,
            "job": job,
            "check": check,
            "labels": [import_field.label for _index, import_field in columns],
            "rows": [
                {
                    "row": row,
                    "exists": row.row_number in check.existing_rows,
                    "cells": [
                        row.raw[index] if index < len(row.raw) else ""
                        for index, _field in columns
                    ],
                }
                for row in check.rows
            ],
            "good_rows": check.total_rows - check.error_rows,
        }

    def form_valid(self, form):
        try:
            job = imports.import_job_start(
                job=self.get_job(),
                update_existing=form.cleaned_data["update_existing"],
            )
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect(job_url(self.get_job()))
        return redirect("customers:import_progress", pk=job.pk)


class ImportProgressView(ImportMixin, TemplateView):
    """The job's progress while it runs (polled by htmx), then its summary."""

    template_name = "customers/import_progress.html"
    partial_template_name = "customers/import_progress_status.html"

    def get(self, request, *args, **kwargs):
        job = self.get_job()
        if job.status == ImportJob.Status.UPLOADED:
            return redirect(job_url(job))
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        job = self.get_job()
        finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
        total = max(job.total_rows, job.processed_rows)
        return {
            **super().get_context_data(**kwargs),
            "job": job,
            "title": _("Import: %(name)s") % {"name": job.original_name},
            "finished": finished,
            "total": total,
            "percent": round(100 * job.processed_rows / total) if total else 0,
            "errors": list(job.row_errors.all()[:PROGRESS_ERRORS]) if finished else [],
            "more_errors": max(job.error_count - PROGRESS_ERRORS, 0),
        }


class _Echo:
    def write(self, value):
        return value


class ImportErrorsCsvView(ImportMixin, View):
    """The refused rows as CSV, with their reason, to fix them and import again."""

    def get(self, request, *args, **kwargs):
        job = self.get_job()
        writer = csv.writer(_Echo())
        lines = (writer.writerow(row) for row in imports.import_job_error_rows(job=job))
        response = StreamingHttpResponse(
            _with_bom(lines), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="import-{job.pk}-errors.csv"'
        )
        return response


def _with_bom(lines):
    yield "\ufeff"  # so that spreadsheets read the file as UTF-8
    yield from lines
