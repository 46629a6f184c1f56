"""Reads of the reports engine: ``report_compute`` and what it returns."""

from reports.selectors.compute import MAX_ROWS, report_compute
from reports.selectors.results import ReportColumn, ReportResult, ReportRow

__all__ = ["MAX_ROWS", "ReportColumn", "ReportResult", "ReportRow", "report_compute"]
