"""Writes of report schedules: save, remove, and the send of a due period.

A send is keyed ``report:<schedule>:<period>:<user>`` through ``email_queue``
and recorded in one ``ReportScheduleRun`` per schedule and period, in one
transaction with the schedule's next ``due_at``: beat running twice finds the
period done, and a worker killed halfway left nothing behind, so running again
sends each e-mail once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core import plugins
from core.reporting import ReportSource
from core.services import EmailAttachment, email_queue, supported_language
from core.site import absolute_url
from reports.exports import (
    pivot_csv_lines,
    pivot_xlsx,
    report_csv_lines,
    report_xlsx,
)
from reports.forms import ReportForm, choices_query, report_form_data
from reports.models import ReportSchedule, ReportScheduleRun, SavedReport
from reports.presentation import ReportFigures, report_table, report_view_compute
from reports.query import ReportQueryError
from reports.schedules.calendar import (
    occurrence_day,
    schedule_next_due,
    schedule_occurrence_last,
    schedule_period,
)
from reports.selectors.results import DATA

logger = logging.getLogger(__name__)

CHANGE_PERMISSION = "reports.change_reportschedule"
TEMPLATE = "reports_scheduled"
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Recorded reasons a recipient did not get a period's e-mail.
SKIP_NOT_STAFF = "not_staff"
SKIP_NO_PERMISSION = "no_permission"
SKIP_EMPTY = "empty"
# Recipients of one schedule, at most.
MAX_RECIPIENTS = 50


def schedule_can_change(user, report: SavedReport) -> bool:
    """The owner of the saved report, or staff with ``change_reportschedule``."""
    return bool(
        user.is_active
        and user.is_staff
        and (report.owner_id == user.pk or user.has_perm(CHANGE_PERMISSION))
    )


def _allowed_change(user, report: SavedReport) -> None:
    if not schedule_can_change(user, report):
        raise PermissionDenied(
            _("Only the person who saved this report may schedule it.")
        )


def _schedule_due(schedule: ReportSchedule, after: datetime) -> datetime:
    return schedule_next_due(
        frequency=schedule.frequency,
        weekday=schedule.weekday,
        time_of_day=schedule.time_of_day,
        after=after,
    )


@transaction.atomic(durable=True)
def schedule_save(
    *,
    report: SavedReport,
    user,
    frequency: str,
    weekday: int,
    time_of_day: time,
    format: str,  # noqa: A002 - the field's name
    recipients: list,
    skip_empty: bool,
    active: bool,
    now: datetime | None = None,
) -> ReportSchedule:
    """Adds or changes the schedule of ``report``; its next send is computed
    from ``now``. Recipients must be active staff (at most ``MAX_RECIPIENTS``)."""
    _allowed_change(user, report)
    if frequency not in ReportSchedule.Frequency.values:
        raise ValidationError({"frequency": _("Choose how often to send it.")})
    if not 0 <= weekday <= 6:
        raise ValidationError({"weekday": _("Choose a weekday.")})
    if format not in ReportSchedule.Format.values:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    if not recipients:
        raise ValidationError({"recipients": _("Choose at least one recipient.")})
    if len(recipients) > MAX_RECIPIENTS:
        raise ValidationError(
            {
                "recipients": _("Choose at most %(count)d recipients.")
                % {"count": MAX_RECIPIENTS}
            }
        )
    if any(not (person.is_staff and person.is_active) for person in recipients):
        raise ValidationError(
            {"recipients": _("Recipients must be active staff members.")}
        )
    schedule = ReportSchedule.objects.select_for_update().filter(
        report=report
    ).first() or ReportSchedule(report=report)
    schedule.frequency = frequency
    schedule.weekday = weekday
    schedule.time_of_day = time_of_day.replace(second=0, microsecond=0)
    schedule.format = format
    schedule.skip_empty = skip_empty
    schedule.active = active
    schedule.due_at = _schedule_due(schedule, now or timezone.now()) if active else None
    schedule.save()
    schedule.recipients.set(recipients)
    return schedule


@transaction.atomic(durable=True)
def schedule_delete(*, report: SavedReport, user) -> None:
    """Removes the schedule of ``report`` (and its record of sends)."""
    _allowed_change(user, report)
    ReportSchedule.objects.filter(report=report).delete()


@dataclass
class ScheduleOutcome:
    """What one send did, for the command's output and the task's count."""

    schedule_id: int
    report: str
    period: str
    outcome: str
    sent_to: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    detail: str = ""


def schedule_choices(
    report: SavedReport, date_from: date, date_to: date
) -> dict[str, list[str]]:
    """The saved choices with a relative preset replaced by the period's days.

    Fixed dates stay as saved, and a report with neither covers all its data.
    """
    choices = {key: list(values) for key, values in report.choices.items()}
    if choices.pop("period", None):
        choices["date_from"] = [date_from.isoformat()]
        choices["date_to"] = [date_to.isoformat()]
    return choices


def report_figures_for(
    source: ReportSource, choices: dict[str, list[str]], user
) -> ReportFigures:
    """The report page's figures for these choices, as ``user`` sees them.

    Raises ``ReportQueryError`` when the choices no longer make a report.
    """
    form = ReportForm(report_form_data(source, choices_query(choices)), source=source)
    if not form.is_valid():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        raise ReportQueryError(" ".join(messages), field="choices")
    return report_view_compute(form.query, user)


def report_export_content(figures: ReportFigures, fmt: str, source_key: str) -> bytes:
    """The bytes of the report page's CSV or XLSX download of these figures."""
    table = report_table(figures) if figures.is_pivot else None
    if fmt == "csv":
        lines = (
            pivot_csv_lines(table)
            if table
            else report_csv_lines(figures.result, labelled=True)
        )
        return "".join(lines).encode("utf-8")
    return pivot_xlsx(table, source_key) if table else report_xlsx(figures.result)


def figures_empty(figures: ReportFigures) -> bool:
    """No data row has a measure other than zero (zero-filled buckets count as
    empty)."""
    result = figures.result
    measures = [column.key for column in result.measure_columns]
    return not any(
        row.values.get(key) not in (None, 0)
        for row in result.rows
        if row.kind == DATA
        for key in measures
    )


def _recipients_split(
    schedule: ReportSchedule, source: ReportSource | None
) -> tuple[list[Any], list[dict[str, str]]]:
    eligible: list[Any] = []
    skipped: list[dict[str, str]] = []
    for person in schedule.recipients.order_by("pk"):
        if not (person.is_active and person.is_staff):
            skipped.append({"email": person.email, "reason": SKIP_NOT_STAFF})
        elif source is None or not source.allowed(person):
            skipped.append({"email": person.email, "reason": SKIP_NO_PERMISSION})
        else:
            eligible.append(person)
    return eligible, skipped


def _send_one(
    *,
    schedule: ReportSchedule,
    source: ReportSource,
    person,
    period: str,
    choices: dict[str, list[str]],
    date_from: date,
    date_to: date,
) -> bool:
    """Queues the e-mail of one recipient; False when their report is empty and
    the schedule skips empty ones."""
    report = schedule.report
    language = supported_language(person.language)
    with translation.override(language):
        figures = report_figures_for(source, choices, person)
        if schedule.skip_empty and figures_empty(figures):
            return False
        content = report_export_content(figures, schedule.format, source.key)
        page = reverse("reports:page", args=[source.key])
        context = {
            "report": report.name,
            "source": str(source.label),
            "date_from": formats.date_format(date_from, "SHORT_DATE_FORMAT"),
            "date_last": formats.date_format(
                date_to - timedelta(days=1), "SHORT_DATE_FORMAT"
            ),
            "url": absolute_url(f"{page}?{choices_query(choices).urlencode()}"),
        }
    filename = f"{slugify(report.name) or source.key}-{period}.{schedule.format}"
    context["filename"] = filename
    email_queue(
        event_key=f"report:{schedule.pk}:{period}:{person.pk}",
        to=person.email,
        template=TEMPLATE,
        context=context,
        language=language,
        attachments=[
            EmailAttachment(filename, MIMETYPES[schedule.format], content),
        ],
    )
    return True


@transaction.atomic(durable=True)
def schedule_send(*, schedule_id: int, now: datetime) -> ScheduleOutcome | None:
    """Sends the last period due at ``now`` of one schedule, if not sent yet.

    After downtime only the last missed period is sent. Each recipient still
    active staff who may see the source gets the report computed for them, in
    their language; the others are skipped and recorded in the period's run.
    Returns None when there was nothing to do.
    """
    schedule = (
        ReportSchedule.objects.select_for_update()
        .select_related("report")
        .filter(pk=schedule_id, active=True, due_at__lte=now)
        .first()
    )
    if schedule is None:
        return None
    occurrence = schedule_occurrence_last(
        frequency=schedule.frequency,
        weekday=schedule.weekday,
        time_of_day=schedule.time_of_day,
        at=now,
    )
    day = occurrence_day(occurrence)
    period = day.isoformat()
    schedule.due_at = _schedule_due(schedule, now)
    if ReportScheduleRun.objects.filter(schedule=schedule, period=period).exists():
        schedule.save(update_fields=["due_at", "updated_at"])
        return None
    date_from, date_to = schedule_period(frequency=schedule.frequency, day=day)
    report = schedule.report
    source = plugins.report_sources.get(report.source_key)
    eligible, skipped = _recipients_split(schedule, source)
    outcome = ScheduleOutcome(schedule.pk, report.name, period, "", skipped=skipped)
    choices = schedule_choices(report, date_from, date_to)
    if source is None:
        outcome.outcome = ReportScheduleRun.Outcome.FAILED
        outcome.detail = _("The report's source is switched off.")
    elif not eligible:
        outcome.outcome = ReportScheduleRun.Outcome.NOBODY
    else:
        try:
            # A savepoint: if one recipient's report cannot be computed, the
            # e-mails already queued for this period are taken back too.
            with transaction.atomic():
                for person in eligible:
                    if _send_one(
                        schedule=schedule,
                        source=source,
                        person=person,
                        period=period,
                        choices=choices,
                        date_from=date_from,
                        date_to=date_to,
                    ):
                        outcome.sent_to.append(person.email)
                    else:
                        skipped.append({"email": person.email, "reason": SKIP_EMPTY})
        except (ReportQueryError, ValidationError) as error:
            outcome.sent_to = []
            outcome.outcome = ReportScheduleRun.Outcome.FAILED
            outcome.detail = (
                error.message
                if isinstance(error, ReportQueryError)
                else " ".join(error.messages)
            )
        else:
            outcome.outcome = (
                ReportScheduleRun.Outcome.SENT
                if outcome.sent_to
                else ReportScheduleRun.Outcome.EMPTY
            )
    ReportScheduleRun.objects.create(
        schedule=schedule,
        period=period,
        date_from=date_from,
        date_to=date_to,
        outcome=outcome.outcome,
        sent_to=outcome.sent_to,
        skipped=outcome.skipped,
        detail=outcome.detail,
    )
    schedule.last_period = period
    schedule.save(update_fields=["due_at", "last_period", "updated_at"])
    return outcome


def schedules_due(now: datetime) -> QuerySet[ReportSchedule]:
    return ReportSchedule.objects.filter(active=True, due_at__lte=now).order_by(
        "due_at", "pk"
    )


def schedules_run_due(now: datetime | None = None) -> list[ScheduleOutcome]:
    """Sends every schedule due at ``now`` (default: now), one transaction each.

    Safe to run twice or concurrently: a period is sent once.
    """
    now = now or timezone.now()
    outcomes = []
    for schedule_id in list(schedules_due(now).values_list("pk", flat=True)):
        try:
            outcome = schedule_send(schedule_id=schedule_id, now=now)
        except Exception:  # one broken schedule must not stop the others
            logger.exception("Report schedule %s failed", schedule_id)
            continue
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def staff_recipients() -> QuerySet:
    """The people a schedule may be sent to: active staff."""
    return (
        get_user_model().objects.filter(is_active=True, is_staff=True).order_by("email")
    )


def skip_reason_label(reason: str) -> str:
    """A recorded skip's reason, as people read it."""
    return {
        SKIP_NOT_STAFF: _("no longer active staff"),
        SKIP_NO_PERMISSION: _("may not see this report's source"),
        SKIP_EMPTY: _("the report was empty"),
    }.get(reason, reason)
