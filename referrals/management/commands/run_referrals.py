"""``manage.py run_referrals [--today YYYY-MM-DD]``: the hourly beat task, by hand."""

from __future__ import annotations

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import TranslatedCommand, business_date_argument, terminal_safe
from core.money import money_format
from referrals.services.commissions import commissions_credit_due


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "Credits the referral commissions whose refund window ended by today (or "
        "--today), catching up after downtime. Running it twice credits nothing more."
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
        report = commissions_credit_due(today=day)
        for commission in report.credited:
            self.stdout.write(
                _("Order %(order)s: %(amount)s credited to %(referrer)s")
                % {
                    "order": commission.order.number,
                    "amount": money_format(commission.amount),
                    "referrer": terminal_safe(commission.referrer),
                }
            )
        self.stdout.write(
            _("%(day)s: %(count)d commissions credited, %(total)s in all.")
            % {
                "day": day.isoformat(),
                "count": len(report.credited),
                "total": money_format(report.total),
            }
        )
