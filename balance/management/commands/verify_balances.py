"""``manage.py verify_balances``: every balance recomputed from the ledger."""

from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balance.models import Entry
from balance.verification import balance_mismatches
from core.commands import TranslatedCommand
from customers.models import Customer

SHOWN_MISMATCHES = 50


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "Recomputes every customer's balance and every balance_after from the "
        "ledger entries, and the held balance from the active holds. Prints OK, or "
        "names the customers that disagree and exits with status 1."
    )

    def handle(self, **options) -> None:
        started = time.monotonic()
        mismatches = balance_mismatches()
        seconds = time.monotonic() - started
        if not mismatches:
            self.stdout.write(
                _(
                    "OK: %(customers)d customers, %(entries)d entries checked "
                    "in %(seconds).1f s."
                )
                % {
                    "customers": Customer.objects.count(),
                    "entries": Entry.objects.count(),
                    "seconds": seconds,
                }
            )
            return
        for mismatch in mismatches[:SHOWN_MISMATCHES]:
            problems = []
            if mismatch.balance != mismatch.entries_total:
                problems.append(
                    _("balance %(stored)s, entries sum to %(computed)s")
                    % {"stored": mismatch.balance, "computed": mismatch.entries_total}
                )
            if mismatch.held != mismatch.holds_total:
                problems.append(
                    _("held %(stored)s, active holds sum to %(computed)s")
                    % {"stored": mismatch.held, "computed": mismatch.holds_total}
                )
            if mismatch.wrong_balance_after:
                problems.append(
                    _("%(count)d entries with a wrong balance after")
                    % {"count": mismatch.wrong_balance_after}
                )
            self.stderr.write(
                f"{mismatch.email} (#{mismatch.customer_id}): " + "; ".join(problems)
            )
        if len(mismatches) > SHOWN_MISMATCHES:
            self.stderr.write(
                _("... and %(count)d more.")
                % {"count": len(mismatches) - SHOWN_MISMATCHES}
            )
        raise CommandError(
            _("%(count)d customers' balances disagree with their ledger.")
            % {"count": len(mismatches)}
        )
