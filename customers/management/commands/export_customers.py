"""Exports customers to CSV, like the staff list's export, optionally filtered.

    manage.py export_customers [--output PATH] [--city Roma] [--tag VIP] ...

Without --output the CSV goes to standard output (without a BOM); a file gets a BOM
so that Excel reads it as UTF-8. Progress goes to standard error.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from core.commands import terminal_safe
from core.input import id_parse
from customers import exports
from customers.filters import CustomerFilterSet
from customers.models import NewsletterList, Tag

# Option → the list's filter of the same meaning.
FILTER_OPTIONS = {
    "search": "q",
    "city": "city",
    "region": "region",
    "postal_code": "postal_code",
    "language": "language",
    "login": "login",
    "email_confirmed": "email_confirmed",
    "registered_from": "registered_from",
    "registered_to": "registered_to",
}


class Command(BaseCommand):
    help = "Exports customers to CSV (the same columns as the staff list's export)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: stdout).")
        parser.add_argument("--search", help="Name, e-mail or phone, as in the list.")
        parser.add_argument("--city")
        parser.add_argument("--region")
        parser.add_argument("--postal-code", dest="postal_code")
        parser.add_argument("--language", help="e.g. en, es, it, pt")
        parser.add_argument("--tag", help="A tag's name or id.")
        parser.add_argument(
            "--list", dest="newsletter_list", help="A list's name or id."
        )
        parser.add_argument("--login", choices=["yes", "no"])
        parser.add_argument(
            "--email-confirmed", dest="email_confirmed", choices=["yes", "no"]
        )
        parser.add_argument(
            "--registered-from", dest="registered_from", help="YYYY-MM-DD"
        )
        parser.add_argument("--registered-to", dest="registered_to", help="YYYY-MM-DD")
        parser.add_argument("--quiet", action="store_true", help="No progress report.")

    def handle(self, *args, **options) -> None:
        data = QueryDict(mutable=True)
        for option, name in FILTER_OPTIONS.items():
            if options.get(option):
                data[name] = options[option]
        if options.get("tag"):
            data["tag"] = self.resolve(Tag, options["tag"], "tag")
        if options.get("newsletter_list"):
            data["newsletter_list"] = self.resolve(
                NewsletterList, options["newsletter_list"], "list"
            )
        filterset = CustomerFilterSet(data, queryset=exports.export_queryset())
        if not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}"
                for name, errors in filterset.form.errors.items()
            )
            raise CommandError(f"Invalid filters: {problems}")

        quiet = options["quiet"]

        def progress(count: int, done: bool) -> None:
            if done:
                self.stderr.write(f"Exported {count} customers.")
            elif not quiet:
                self.stderr.write(f"... {count} customers")

        output = options.get("output")
        pieces = exports.csv_pieces(filterset.qs, bom=bool(output), progress=progress)
        if output:
            try:
                with open(output, "w", encoding="utf-8", newline="") as file:
                    for piece in pieces:
                        file.write(piece)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error}") from error
        else:
            for piece in pieces:  # to a terminal: no escape sequence runs
                self.stdout.write(terminal_safe(piece), ending="")
            self.stdout.flush()

    @staticmethod
    def resolve(model, value: str, what: str) -> str:
        """The id of the tag or list named (or numbered) ``value``."""
        pk = id_parse(value)
        found = (
            model.objects.filter(pk=pk).first()
            if pk is not None
            else model.objects.filter(name__iexact=value.strip()).first()
        )
        if found is None:
            raise CommandError(f"There is no {what} {value!r}.")
        return str(found.pk)
