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


class ReportSchedule(models.Model):
    """A saved report e-mailed on a schedule, with its CSV or XLSX attached.

    ``due_at`` is the next send (computed by ``reports.schedules.schedule_next_due``
    at ``time_of_day`` in ``TIME_ZONE``); the beat task sends what is due.
    ``last_period`` is the last period sent: the local day of the occurrence.
    """

    class Frequency(models.TextChoices):
        DAILY = "daily", pgettext_lazy("report schedule", "Every day")
        WEEKLY = "weekly", pgettext_lazy("report schedule", "Every week")
        MONTHLY_FIRST = (
            "monthly_first",
            pgettext_lazy("report schedule", "Every month, on the first weekday"),
        )
        MONTHLY_LAST = (
            "monthly_last",
            pgettext_lazy("report schedule", "Every month, on the last weekday"),
        )

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    report = models.OneToOneField(
        SavedReport,
        on_delete=models.CASCADE,
        related_name="schedule",
        verbose_name=_("saved report"),
    )
    frequency = models.CharField(
        _("frequency"),
        max_length=20,
        choices=Frequency.choices,
        default=Frequency.WEEKLY,
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("For a weekly schedule."),
    )
    time_of_day = models.TimeField(_("time of day"))
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.XLSX
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="report_schedules",
        verbose_name=_("recipients"),
    )
    skip_empty = models.BooleanField(_("skip when empty"), default=True)
    active = models.BooleanField(_("active"), default=True)
    due_at = models.DateTimeField(_("next send"), null=True, blank=True)
    last_period = models.CharField(_("last period sent"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    frequency__in=["daily", "weekly", "monthly_first", "monthly_last"]
                ),
                name="reports_reportschedule_frequency",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6),
                name="reports_reportschedule_weekday",
            ),
            models.CheckConstraint(
                condition=models.Q(format__in=["csv", "xlsx"]),
                name="reports_reportschedule_format",
            ),
        ]
        indexes = [models.Index(fields=["active", "due_at"])]

    def __str__(self) -> str:
        return str(self.report)


class ReportScheduleRun(models.Model):
    """What one period's send did: who got it, who was skipped and why.

    One row per schedule and period (the unique pair), so a second run of the
    same period finds it and sends nothing.
    """

    class Outcome(models.TextChoices):
        SENT = "sent", pgettext_lazy("report schedule run", "Sent")
        EMPTY = "empty", pgettext_lazy("report schedule run", "Skipped: empty")
        FAILED = "failed", pgettext_lazy("report schedule run", "Not computed")
        NOBODY = "nobody", pgettext_lazy("report schedule run", "No recipient")

    schedule = models.ForeignKey(
        ReportSchedule,
        on_delete=models.CASCADE,
        related_name="runs",
        verbose_name=_("report schedule"),
    )
    period = models.CharField(_("period"), max_length=20)
    date_from = models.DateField(
        pgettext_lazy("date range", "from"), null=True, blank=True
    )
    date_to = models.DateField(pgettext_lazy("date range", "to"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    sent_to = models.JSONField(_("sent to"), default=list, blank=True)
    skipped = models.JSONField(_("skipped"), default=list, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    ran_at = models.DateTimeField(_("ran"), auto_now_add=True)

    class Meta:
        verbose_name = _("report schedule run")
        verbose_name_plural = _("report schedule runs")
        ordering = ["-ran_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period"], name="reports_schedulerun_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period}"
