"""``manage.py report SOURCE --group-by DIM[,DIM] --format csv|xlsx``: a report
from the shell, for machines (see docs/reports.md).

A request that cannot be computed (an unknown source, dimension, measure or
filter, bad dates, ``from`` not before ``to``, more than 10,000 rows, an output
folder that does not exist) exits with status 2 and a message naming the problem,
and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import TranslatedCommand, terminal_safe
from reports.exports import (
    FORMATS,
    PDF_MAX_ROWS,
    pdf_too_long_message,
    report_csv_lines,
    report_pdf,
    report_xlsx,
)
from reports.query import PRESETS, ReportQueryError, report_query_build
from reports.selectors import report_compute

# Exit status of a request that cannot be computed (as argparse's usage errors).
USAGE_ERROR = 2


def _refused(message: str) -> CommandError:
    return CommandError(terminal_safe(message), returncode=USAGE_ERROR)


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "Computes a report (e.g. balance.movements by month) and writes it as CSV "
        "or XLSX. Dates are a half-open range [from, to) in TIME_ZONE."
    )

    def add_arguments(self, parser: Any) -> None:
        # Any: the help texts are lazy (translated when shown); argparse's stubs want
        # a str.
        parser.add_argument(
            "source", help=gettext_lazy("The report source, e.g. balance.movements.")
        )
        parser.add_argument(
            "--group-by",
            required=True,
            help=gettext_lazy("One or two dimensions, comma-separated: month,kind."),
        )
        parser.add_argument(
            "--measures",
            default="",
            help=gettext_lazy("Measures, comma-separated (default: the source's)."),
        )
        parser.add_argument(
            "--from",
            dest="date_from",
            default="",
            help=gettext_lazy("First day included, YYYY-MM-DD."),
        )
        parser.add_argument(
            "--to",
            dest="date_to",
            default="",
            help=gettext_lazy("First day left out, YYYY-MM-DD."),
        )
        parser.add_argument(
            "--period",
            default="",
            help=gettext_lazy("A relative period instead of dates: %(presets)s.")
            % {"presets": ", ".join(PRESETS)},
        )
        parser.add_argument(
            "--filter",
            dest="filters",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=gettext_lazy("A filter; repeat it for more (e.g. kind=gift)."),
        )
        parser.add_argument(
            "--sort",
            default="",
            help=gettext_lazy("A column to sort by, “-” first for the reverse order."),
        )
        parser.add_argument(
            "--top",
            default="",
            help=gettext_lazy(
                "Keep the N largest values of the category; the rest "
                "are summed up as “others”."
            ),
        )
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument(
            "--output",
            default="",
            help=gettext_lazy(
                "The file to write (default: standard output, CSV only)."
            ),
        )

    def handle(self, *args, **options) -> None:
        output = options["output"]
        if output and not Path(output).parent.is_dir():
            raise _refused(
                _("The folder %(folder)s does not exist: create it first.")
                % {"folder": Path(output).parent}
            )
        if options["format"] in ("xlsx", "pdf") and not output:
            raise _refused(
                _("%(format)s is a binary file: give --output PATH.")
                % {"format": options["format"].upper()}
            )
        try:
            query = report_query_build(
                source=options["source"],
                group_by=options["group_by"],
                measures=options["measures"],
                filters=options["filters"],
                date_from=options["date_from"],
                date_to=options["date_to"],
                period=options["period"],
                sort=options["sort"],
                top=options["top"],
            )
            result = report_compute(query, None)
        except ReportQueryError as error:
            raise _refused(error.message) from None
        if options["format"] == "pdf" and len(result.rows) > PDF_MAX_ROWS:
            raise _refused(pdf_too_long_message())
        for note in result.notes:
            self.stderr.write(terminal_safe(note))
        if options["format"] == "xlsx":
            Path(output).write_bytes(report_xlsx(result))
        elif options["format"] == "pdf":
            Path(output).write_bytes(report_pdf(result))
        elif output:
            with Path(output).open("w", encoding="utf-8", newline="") as file:
                file.writelines(report_csv_lines(result))
        else:
            for line in report_csv_lines(result):
                self.stdout.write(line, ending="")
        if output:
            self.stderr.write(
                _("%(rows)s rows written to %(path)s.")
                % {"rows": len(result.rows), "path": output}
            )
