"""``manage.py run_gifts [--today YYYY-MM-DD]``: what the hourly beat task does."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balance.services import gift_run_due
from core.money import money_format


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("“%(text)s” is not a date: use YYYY-MM-DD, e.g. 2026-11-25.")
            % {"text": text}
        ) from None


class Command(BaseCommand):
    help = gettext_lazy(
        "Credits the periodic gifts due up to today (or --today), catching up missed "
        "periods. Running it twice posts nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help=gettext_lazy("Run as if today were this date (default: today)."),
        )

    def handle(self, *, today: str | None, **options) -> None:
        day = _iso_date(today) if today else timezone.localdate()
        runs = gift_run_due(today=day)
        for run in runs:
            self.stdout.write(
                _("%(gift)s, %(period)s: %(count)d customers, %(total)s")
                % {
                    "gift": run.gift,
                    "period": run.period,
                    "count": run.customers_count,
                    "total": money_format(run.total_amount),
                }
            )
        self.stdout.write(_("%(count)d gift periods run.") % {"count": len(runs)})
