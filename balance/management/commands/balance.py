"""``manage.py balance credit|debit|show``: the ledger from the shell.

A shell operation is a deliberate human action: each invocation gets a new
idempotency key unless ``--idempotency-key`` is given (to make a script retryable).
It is posted as staff, so a debit may take the balance below zero.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balance.selectors import customer_available, customer_entries
from balance.services import Author, balance_credit, balance_debit
from core.commands import TranslatedCommand, terminal_safe
from core.money import money_format, parse_amount
from customers.models import Customer

SHELL_AUTHOR_LABEL = "manage.py balance"
SHOWN_ENTRIES = 10


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "Credit or debit a customer's balance, or show it with the last entries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Any: the help texts are lazy (translated when shown); argparse's stubs want
        # a str.
        actions: Any = parser.add_subparsers(dest="action", required=True)
        for action, action_help in (
            ("credit", gettext_lazy("Add AMOUNT to the customer's balance.")),
            ("debit", gettext_lazy("Take AMOUNT from the customer's balance.")),
        ):
            sub = actions.add_parser(action, help=action_help)
            sub.add_argument("email", help=gettext_lazy("The customer's e-mail."))
            sub.add_argument(
                "amount", help=gettext_lazy("The amount, e.g. 12.50 or 12,50.")
            )
            sub.add_argument("--note", default="", help=gettext_lazy("A note."))
            sub.add_argument(
                "--idempotency-key",
                default="",
                help=gettext_lazy(
                    "Post at most once under this key (default: a new key each time)."
                ),
            )
        show = actions.add_parser(
            "show", help=gettext_lazy("Show the balance and the last entries.")
        )
        show.add_argument("email", help=gettext_lazy("The customer's e-mail."))

    def handle(self, *, action: str, email: str, **options) -> None:
        customer = Customer.objects.filter(email__iexact=email.strip()).first()
        if customer is None:
            raise CommandError(
                _("No customer has the e-mail “%(email)s”.") % {"email": email}
            )
        if action == "show":
            self._show(customer)
            return
        try:
            amount = parse_amount(options["amount"])
            post = balance_credit if action == "credit" else balance_debit
            entry = post(
                customer_id=customer.pk,
                amount=amount,
                author=Author.staff(label=SHELL_AUTHOR_LABEL),
                idempotency_key=options["idempotency_key"] or f"shell:{uuid.uuid4()}",
                note=options["note"],
            )
        except ValidationError as error:
            raise CommandError(_errors(error)) from None
        self.stdout.write(
            terminal_safe(
                _("Posted %(amount)s to %(email)s: the balance is %(balance)s.")
                % {
                    "amount": money_format(entry.amount),
                    "email": customer.email,
                    "balance": money_format(entry.balance_after),
                }
            )
        )

    def _show(self, customer: Customer) -> None:
        # Names and notes were typed by people: printed through terminal_safe.
        self.stdout.write(terminal_safe(f"{customer} <{customer.email}>"))
        self.stdout.write(
            _("Balance: %(balance)s  held: %(held)s  available: %(available)s")
            % {
                "balance": money_format(customer.balance),
                "held": money_format(customer.balance_held),
                "available": money_format(customer_available(customer)),
            }
        )
        entries = list(customer_entries(customer.pk)[:SHOWN_ENTRIES])
        if not entries:
            self.stdout.write(_("No entries yet."))
        for entry in entries:
            amount = money_format(entry.amount)
            balance_after = money_format(entry.balance_after)
            self.stdout.write(
                terminal_safe(
                    f"{entry.created_at:%Y-%m-%d %H:%M}  "
                    f"{entry.get_kind_display():<18} "
                    f"{amount:>16} {balance_after:>16}  {entry.note}"
                )
            )
