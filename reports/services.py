"""Writes of the reports app: saved reports (save, rename, delete, pin)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from core import plugins
from reports.models import SavedReport
from reports.selectors.saved import dashboard_presets, report_is_dashboard_preset

# A dashboard shows this many saved reports at most (each is a few queries).
MAX_PINNED = 6


def _name_clean(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the report a name.")})
    if len(name) > SavedReport._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationError({"name": _("The name is too long.")})
    return name


def _name_taken(owner, name: str, *, exclude_pk: int | None = None) -> None:
    taken = SavedReport.objects.filter(owner=owner, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("You already have a report named “%(name)s”.") % {"name": name}}
        )


def _owned(report: SavedReport, user) -> None:
    if report.owner_id != user.pk:
        raise PermissionDenied(
            _("Only the person who saved this report may change it.")
        )


@transaction.atomic(durable=True)
def saved_report_create(
    *, owner, name: str, source_key: str, choices: dict, visibility: str
) -> SavedReport:
    """Keeps the page's choices under ``name``; raises ``ValidationError`` for
    a name already used by ``owner``, an unknown source or visibility."""
    name = _name_clean(name)
    source = plugins.report_sources.get(source_key)
    if source is None or not source.allowed(owner):
        raise ValidationError(_("You may not see this report source."))
    if visibility not in SavedReport.Visibility.values:
        raise ValidationError({"visibility": _("Choose who sees the report.")})
    _name_taken(owner, name)
    try:
        with transaction.atomic():
            return SavedReport.objects.create(
                owner=owner,
                name=name,
                source_key=source_key,
                choices=choices,
                visibility=visibility,
            )
    except IntegrityError:  # saved at the same moment in another tab
        raise ValidationError(
            {"name": _("You already have a report named “%(name)s”.") % {"name": name}}
        ) from None


@transaction.atomic(durable=True)
def saved_report_rename(
    *, report: SavedReport, user, name: str, visibility: str | None = None
) -> SavedReport:
    """A new name (and, if given, visibility), by the owner only."""
    _owned(report, user)
    name = _name_clean(name)
    _name_taken(user, name, exclude_pk=report.pk)
    report.name = name
    fields = ["name", "updated_at"]
    if visibility is not None:
        if visibility not in SavedReport.Visibility.values:
            raise ValidationError({"visibility": _("Choose who sees the report.")})
        report.visibility = visibility
        fields.append("visibility")
    report.save(update_fields=fields)
    return report


@transaction.atomic(durable=True)
def saved_report_delete(*, report: SavedReport, user) -> None:
    """Deletes the report (and its pins), by the owner only."""
    _owned(report, user)
    report.delete()


@transaction.atomic(durable=True)
def saved_report_pin(*, report: SavedReport, user, pinned: bool) -> None:
    """Shows the report on ``user``'s dashboard (``pinned``) or stops showing it.
    ``report`` must be one the user sees (``saved_reports_visible``). A built-in
    dashboard report is pinned unless the user unpinned it, and does not count
    towards ``MAX_PINNED``."""
    if report_is_dashboard_preset(report):
        if pinned:
            report.unpinned_by.remove(user)
        else:
            report.unpinned_by.add(user)
        return
    if not pinned:
        report.pinned_by.remove(user)
        return
    if report.pinned_by.filter(pk=user.pk).exists():
        return
    if user.pinned_reports.count() >= MAX_PINNED:
        raise ValidationError(
            _("A dashboard holds %(max)s reports at most: unpin one first.")
            % {"max": MAX_PINNED}
        )
    report.pinned_by.add(user)


@transaction.atomic(durable=True)
def saved_reports_builtin_ensure(*, user) -> None:
    """Creates, on first use, the built-in dashboard reports of the sources
    ``user`` may see (``ReportPreset.dashboard``): shared with all staff, with no
    owner, named in the default language. One query when they all exist."""
    wanted = {
        (source.key, preset.key): preset for source, preset in dashboard_presets(user)
    }
    if not wanted:
        return
    existing = set(
        SavedReport.objects.filter(
            source_key__in={source_key for source_key, _key in wanted},
            preset_key__in={preset_key for _source, preset_key in wanted},
        ).values_list("source_key", "preset_key")
    )
    for (source_key, preset_key), preset in wanted.items():
        if (source_key, preset_key) in existing:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            name = str(preset.label)
        try:
            # A savepoint: another request may create it at the same moment.
            with transaction.atomic():
                SavedReport.objects.create(
                    name=name[: SavedReport._meta.get_field("name").max_length],  # type: ignore[misc]
                    source_key=source_key,
                    preset_key=preset_key,
                    choices={
                        key: list(values) for key, values in preset.choices.items()
                    },
                    owner=None,
                    visibility=SavedReport.Visibility.STAFF,
                )
        except IntegrityError:
            continue
