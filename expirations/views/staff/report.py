"""The expirations report: a preset of the report builder on the ``expirations``
source. The old page and its CSV and PDF exports redirect to the builder (and
its exports) with the same choices, so links and bookmarks keep working.

The old page's ranges were inclusive (``expiry_to`` 2026-12-31 kept that day); the
builder's are half-open, so the end days move one day on. A value the old form
refuses is passed on as typed: the builder refuses it with its message (400).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect, QueryDict
from django.urls import NoReverseMatch, reverse
from django.views.generic import View

from core.mixins import StaffRequiredMixin
from expirations.forms.staff import ReportFilterForm
from expirations.reports.source import REPORT_PRESET, SOURCE_KEY
from expirations.views.staff.card import REPORT

# The old form's field -> the builder's field (a date range end moves a day on).
_FIELDS = {
    "expiry_from": ("date_from", False),
    "expiry_to": ("date_to", True),
    "start_from": ("filter_start_from", False),
    "start_to": ("filter_start_to", True),
    "state": ("filter_state", False),
    "product": ("filter_product", False),
    "provenance": ("filter_provenance", False),
}


def report_builder_query(data: QueryDict) -> str:
    """The builder's query string for the old report's filters ``data``: the
    preset (by month of expiry, every measure), narrowed the same way."""
    params: dict[str, list[str]] = {
        key: list(values) for key, values in REPORT_PRESET.choices.items()
    }
    form = ReportFilterForm(data)
    cleaned = form.cleaned_data if form.is_valid() else {}
    for old, (new, inclusive_end) in _FIELDS.items():
        value = cleaned.get(old)
        if value:
            if inclusive_end:
                value = value + timedelta(days=1)
            text = str(value.pk) if hasattr(value, "pk") else str(value)
        else:
            text = (data.get(old) or "").strip() if not cleaned else ""
        if text:
            params[new] = [text]
    return urlencode(params, doseq=True)


class _ReportRedirect(StaffRequiredMixin, View):
    permission_required = REPORT
    export = ""

    def get(self, request, *args, **kwargs):
        try:
            if self.export:
                url = reverse("reports:export", args=[SOURCE_KEY, self.export])
            else:
                url = reverse("reports:page", args=[SOURCE_KEY])
        except NoReverseMatch as missing:  # the reports module switched off
            raise Http404 from missing
        return HttpResponseRedirect(f"{url}?{report_builder_query(request.GET)}")


class ReportView(_ReportRedirect):
    """The expirations report: the builder's preset, with the same choices."""


class ReportCsvView(_ReportRedirect):
    export = "csv"


class ReportPdfView(_ReportRedirect):
    export = "pdf"


# --- Settings: reminders, quick-renew window, the provenance and bank lists ---
