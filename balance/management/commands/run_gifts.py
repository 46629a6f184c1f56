"""``manage.py run_gifts [--today YYYY-MM-DD]``: what the hourly beat task does."""

from __future__ import annotations

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balance.services import gift_run_due
from core.commands import TranslatedCommand, business_date_argument
from core.money import money_format


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "Credits the periodic gifts due up to today (or --today), catching up missed "
        "periods. Running it twice posts nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            # Lazy: translated when shown; argparse's stubs want a str.
            help=gettext_lazy("Run as if today were this date (default: today)."),  # type: ignore[arg-type]
        )

    def handle(self, *, today: str | None, **options) -> None:
        day = business_date_argument(today)
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
