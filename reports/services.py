"""Writes of the reports app: saved reports (save, rename, delete, pin)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import plugins
from reports.models import SavedReport

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
    ``report`` must be one the user sees (``saved_reports_visible``)."""
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
