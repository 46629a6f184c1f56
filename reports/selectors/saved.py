"""Reads of saved reports: the ones a staff member sees, and pins."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core import plugins
from reports.models import SavedReport


def saved_reports_visible(user) -> QuerySet[SavedReport]:
    """The saved reports ``user`` sees: their own and those shared with all
    staff, on the sources they may see."""
    allowed = [s.key for s in plugins.report_sources if s.allowed(user)]
    return (
        SavedReport.objects.filter(
            Q(owner=user) | Q(visibility=SavedReport.Visibility.STAFF),
            source_key__in=allowed,
        )
        .select_related("owner", "schedule")
        .order_by("name", "pk")
    )


def saved_reports_pinned(user) -> QuerySet[SavedReport]:
    """The saved reports on ``user``'s dashboard (still visible to them)."""
    return saved_reports_visible(user).filter(pinned_by=user)
