"""``manage.py run_report_schedules [--now YYYY-MM-DDTHH:MM]``: the beat task."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import TranslatedCommand
from reports.models import ReportScheduleRun
from reports.schedules import schedules_run_due
from reports.schedules.services import skip_reason_label


def now_argument(text: str | None) -> datetime:
    """``--now`` as local time in ``TIME_ZONE`` (default: now)."""
    if not text:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("“%(text)s” is not a date and time: use YYYY-MM-DDTHH:MM.")
            % {"text": text}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return moment


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "E-mails the saved reports whose schedule is due now (or at --now), the last "
        "missed period after downtime. Running it twice sends nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            metavar="YYYY-MM-DDTHH:MM",
            # Lazy: translated when shown; argparse's stubs want a str.
            help=gettext_lazy(  # type: ignore[arg-type]
                "Run as if it were this local time (default: now)."
            ),
        )

    def handle(self, *, now: str | None, **options) -> None:
        moment = now_argument(now)
        outcomes = schedules_run_due(moment)
        labels = dict(ReportScheduleRun.Outcome.choices)
        for outcome in outcomes:
            self.stdout.write(
                _("“%(report)s” %(period)s: %(outcome)s, sent to %(count)d")
                % {
                    "report": outcome.report,
                    "period": outcome.period,
                    "outcome": labels.get(outcome.outcome, outcome.outcome),
                    "count": len(outcome.sent_to),
                }
            )
            for email in outcome.sent_to:
                self.stdout.write(f"  → {email}")
            for skip in outcome.skipped:
                self.stdout.write(
                    f"  ✗ {skip['email']}: {skip_reason_label(skip['reason'])}"
                )
            if outcome.detail:
                self.stdout.write(f"  {outcome.detail}")
        self.stdout.write(
            _("%(count)d scheduled reports due, %(emails)d e-mails queued.")
            % {
                "count": len(outcomes),
                "emails": sum(len(outcome.sent_to) for outcome in outcomes),
            }
        )
