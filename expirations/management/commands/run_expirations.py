"""``manage.py run_expirations [--today YYYY-MM-DD]``: the hourly beat task, by hand.

``-v 2`` prints the progress batch by batch.
"""

from __future__ import annotations

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import TranslatedCommand, business_date_argument
from expirations.services.jobs import expirations_run_due, offset_label


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "Sends the expiry reminders and records the expiries due today (or --today), "
        "catching up after downtime. Running it twice sends nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            # Lazy: translated when shown; argparse's stubs want a str.
            help=gettext_lazy("Run as if today were this date (default: today)."),  # type: ignore[arg-type]
        )

    def handle(self, *, today: str | None, verbosity: int = 1, **options) -> None:
        day = business_date_argument(today)
        # -v 2 prints a line per batch while it works.
        report = expirations_run_due(day, stdout=self.stdout if verbosity > 1 else None)
        for line in report.sent:
            self.stdout.write(line)
        for offset, count in sorted(report.per_offset.items(), reverse=True):
            self.stdout.write(
                _("Reminders %(when)s: %(count)d sent")
                % {"when": offset_label(offset), "count": count}
            )
        self.stdout.write(
            _(
                "%(day)s: %(reminders)d reminders sent, %(skipped)d skipped, "
                "%(expired)d expiries."
            )
            % {
                "day": day.isoformat(),
                "reminders": report.reminders_sent,
                "skipped": report.reminders_skipped,
                "expired": report.expired,
            }
        )
