"""Reads of the reports engine: ``report_compute`` and what it returns, and the
saved reports a staff member sees."""

from reports.selectors.compute import MAX_ROWS, report_compute
from reports.selectors.results import ReportColumn, ReportResult, ReportRow
from reports.selectors.saved import saved_reports_pinned, saved_reports_visible

__all__ = [
    "MAX_ROWS",
    "ReportColumn",
    "ReportResult",
    "ReportRow",
    "report_compute",
    "saved_reports_pinned",
    "saved_reports_visible",
]
