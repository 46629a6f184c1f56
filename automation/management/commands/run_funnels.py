"""``manage.py run_funnels [--now YYYY-MM-DDTHH:MM] [--batch N]``: the beat task
by hand, printing what it did."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.selectors import scheduler_health
from automation.services.tick import funnels_tick
from core.commands import TranslatedCommand


def moment_argument(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _(
                "“%(text)s” is not a moment: use YYYY-MM-DDTHH:MM, "
                "e.g. 2026-11-25T09:30."
            )
            % {"text": text}
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "Runs the funnel steps that are due (as beat does every minute), catching up "
        "after downtime. Running it twice does nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            metavar="YYYY-MM-DDTHH:MM",
            help=gettext_lazy(  # type: ignore[arg-type]
                "Run as if it were this moment, in TIME_ZONE (default: now)."
            ),
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=500,
            help=gettext_lazy("Steps claimed per transaction (1 to 5000)."),  # type: ignore[arg-type]
        )

    def handle(self, *, now: str | None, batch: int, **options) -> None:
        if not 1 <= batch <= 5000:
            raise CommandError(_("--batch must be between 1 and 5000."))
        moment = moment_argument(now)
        report = funnels_tick(now=moment, batch=batch)
        self.stdout.write(
            _(
                "%(enrolled)d enrolled; %(done)d steps done, %(skipped)d skipped, "
                "%(retrying)d to retry, %(failed)d failed."
            )
            % {
                "enrolled": report.enrolled,
                "done": report.done,
                "skipped": report.skipped,
                "retrying": report.retrying,
                "failed": report.failed,
            }
        )
        health = scheduler_health()
        if health.backlog_over_cap:
            self.stdout.write(
                _("Backlog: more than %(cap)s steps due.")
                % {"cap": number_format(health.backlog_cap, force_grouping=True)}
            )
        else:
            self.stdout.write(
                _("Backlog: %(backlog)d steps due.") % {"backlog": health.backlog}
            )
