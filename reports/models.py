"""Saved reports: a staff member's choices on the report page, kept by name."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SavedReport(models.Model):
    """A report's choices (the report page's query, as JSON) under a name.

    ``choices`` maps each field of the report form to its list of values, as the
    page's query string has them, so opening it is the same page again. The owner
    alone renames or deletes it; ``visibility`` says whether other staff see it
    (they still need the source's permission to run it). ``pinned_by`` are the
    staff members who show it on their dashboard.
    """

    class Visibility(models.TextChoices):
        OWNER = "owner", pgettext_lazy("saved report visibility", "Only me")
        STAFF = "staff", pgettext_lazy("saved report visibility", "All staff")

    name = models.CharField(_("name"), max_length=120)
    source_key = models.CharField(_("report source"), max_length=80)
    choices = models.JSONField(_("choices"), default=dict)
    # No owner: a built-in report (``preset_key``), which nobody renames or deletes.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_reports",
        verbose_name=_("owner"),
        null=True,
        blank=True,
    )
    preset_key = models.CharField(_("preset"), max_length=80, blank=True, default="")
    visibility = models.CharField(
        _("visible to"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.OWNER,
    )
    pinned_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="pinned_reports",
        blank=True,
        verbose_name=_("pinned to the dashboard of"),
    )
    # A built-in dashboard report is pinned to every dashboard but these.
    unpinned_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="unpinned_reports",
        blank=True,
        verbose_name=_("unpinned from the dashboard of"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="reports_savedreport_owner_name"
            ),
            models.CheckConstraint(
                condition=models.Q(visibility__in=["owner", "staff"]),
                name="reports_savedreport_visibility",
            ),
            models.UniqueConstraint(
                fields=["source_key", "preset_key"],
                condition=~models.Q(preset_key=""),
                name="reports_savedreport_one_per_preset",
            ),
            models.CheckConstraint(
                condition=models.Q(owner__isnull=False) | ~models.Q(preset_key=""),
                name="reports_savedreport_owner_or_preset",
            ),
        ]
        indexes = [models.Index(fields=["visibility", "name"])]

    def __str__(self) -> str:
        return self.name
