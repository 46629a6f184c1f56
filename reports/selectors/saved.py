"""Reads of saved reports: the ones a staff member sees, and pins."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from core import plugins
from core.reporting import ReportPreset, ReportSource
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


def dashboard_presets(user) -> list[tuple[ReportSource, ReportPreset]]:
    """The built-in dashboard reports of the sources ``user`` may see."""
    return [
        (source, preset)
        for source in plugins.report_sources
        if source.allowed(user)
        for preset in source.presets
        if preset.dashboard
    ]


def _pinned_condition(user) -> Q:
    pinned = SavedReport.pinned_by.through.objects.filter(user=user).values(
        "savedreport_id"
    )
    unpinned = SavedReport.unpinned_by.through.objects.filter(user=user).values(
        "savedreport_id"
    )
    built_in = Q()
    for source, preset in dashboard_presets(user):
        built_in |= Q(source_key=source.key, preset_key=preset.key)
    if not built_in:
        return Q(pk__in=pinned)
    return Q(pk__in=pinned) | (built_in & ~Q(pk__in=unpinned))


def saved_reports_pinned(user) -> QuerySet[SavedReport]:
    """The saved reports on ``user``'s dashboard (still visible to them): the
    ones they pinned, and the built-in dashboard reports they did not unpin.
    The built-in ones come first."""
    return (
        saved_reports_visible(user)
        .filter(_pinned_condition(user))
        .order_by(F("owner").asc(nulls_first=True), "name", "pk")
    )


def saved_report_is_pinned(report: SavedReport, user) -> bool:
    """Whether ``report`` (with ``pinned_by`` and ``unpinned_by`` prefetched)
    is on ``user``'s dashboard."""
    if any(person.pk == user.pk for person in report.pinned_by.all()):
        return True
    return report_is_dashboard_preset(report) and not any(
        person.pk == user.pk for person in report.unpinned_by.all()
    )


def report_is_dashboard_preset(report: SavedReport) -> bool:
    if not report.preset_key:
        return False
    source = plugins.report_sources.get(report.source_key)
    preset = source.preset(report.preset_key) if source is not None else None
    return preset is not None and preset.dashboard
