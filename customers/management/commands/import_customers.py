"""``manage.py import_customers PATH``: the staff wizard's CSV import, from a shell.

Reads and checks the file with the same code as the wizard, proposes the mapping
from the column names, prints every refused row (row number and reason) and a
summary. Exits with an error, changing nothing, if the file cannot be read.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.commands import terminal_safe
from customers import importing
from customers.models import ImportJob
from customers.services import imports

DELIMITER_ALIASES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}


class Command(BaseCommand):
    help = (
        "Imports customers from a CSV file (encoding, delimiter and date format "
        "detected; columns mapped from their names in English, Spanish, Italian or "
        "Portuguese). Existing customers, matched by e-mail, are skipped unless "
        "--update-existing is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file.")
        parser.add_argument(
            "--update-existing",
            action="store_true",
            help="Update customers whose e-mail is already known (default: skip).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and print what would happen; change nothing.",
        )
        parser.add_argument(
            "--delimiter",
            default="",
            help="The delimiter: , ; | or tab (default: detected).",
        )
        parser.add_argument(
            "--encoding",
            default="",
            help="The encoding, e.g. utf-8 or cp1252 (default: detected).",
        )
        parser.add_argument(
            "--date-format",
            choices=["dmy", "mdy", "iso"],
            help="How dates are written (default: detected).",
        )

    def handle(
        self,
        *,
        path: Path,
        update_existing: bool,
        dry_run: bool,
        delimiter: str,
        encoding: str,
        date_format: str | None,
        **options,
    ) -> None:
        delimiter = DELIMITER_ALIASES.get(delimiter.lower(), delimiter)
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file.") % {"path": path})
        with path.open("rb") as stream:
            try:
                analysis = importing.file_analyse(
                    stream, encoding=encoding, delimiter=delimiter
                )
            except importing.UnreadableFile as error:
                raise CommandError(f"{path}: {error.message}") from error
            if date_format:
                analysis.date_format = {
                    "dmy": importing.DATE_DMY,
                    "mdy": importing.DATE_MDY,
                    "iso": importing.DATE_ISO,
                }[date_format]
            by_column, general = importing.mapping_problems(
                analysis.mapping, analysis.headers
            )
            if by_column or general:
                raise CommandError(
                    _("%(path)s: %(problems)s Columns: %(columns)s.")
                    % {
                        "path": path,
                        "problems": " ".join([*general, *by_column.values()]),
                        "columns": ", ".join(analysis.headers),
                    }
                )
            self._describe(analysis)
            if dry_run:
                self._dry_run(stream, analysis, update_existing=update_existing)
            else:
                self._run(stream, path, analysis, update_existing=update_existing)

    def _describe(self, analysis: importing.Analysis) -> None:
        delimiter = importing.DELIMITER_NAMES.get(analysis.delimiter)
        date_format = importing.DATE_FORMATS[analysis.date_format]
        self.stdout.write(
            _("Encoding: %(encoding)s; delimiter: %(delimiter)s; dates: %(dates)s.")
            % {
                "encoding": analysis.encoding,
                "delimiter": delimiter,
                "dates": date_format,
            }
        )
        for index, header in enumerate(analysis.headers):
            name = analysis.mapping.get(str(index))
            target = (
                importing.FIELDS_BY_NAME[name].label if name else _("(not imported)")
            )
            self.stdout.write(terminal_safe(f"  {header} → {target}"))

    def _dry_run(self, stream, analysis: importing.Analysis, *, update_existing):
        try:
            check = imports.import_check(
                stream=stream,
                encoding=analysis.encoding,
                delimiter=analysis.delimiter,
                headers=analysis.headers,
                mapping=analysis.mapping,
                date_format=analysis.date_format,
                sample_size=0,
                problems_size=None,
            )
        except importing.UnreadableFile as error:
            raise CommandError(error.message) from error
        for row in check.problems:
            self.stdout.write(self._row_line(row.row_number, row.message))
        updated = check.existing - check.unchanged if update_existing else 0
        self.stdout.write(
            _(
                "Rows: %(rows)s. Would create: %(created)s, update: %(updated)s, "
                "skip: %(skipped)s, errors: %(errors)s. Dry run: nothing was changed."
            )
            % {
                "rows": check.total_rows,
                "created": check.new,
                "updated": updated,
                "skipped": check.existing - updated,
                "errors": check.error_rows,
            }
        )

    def _run(self, stream, path: Path, analysis, *, update_existing: bool) -> None:
        try:
            # The whole file is read once before anything is stored: a file that
            # breaks halfway changes nothing.
            total_rows = importing.data_rows_count(
                stream, encoding=analysis.encoding, delimiter=analysis.delimiter
            )
        except importing.UnreadableFile as error:
            raise CommandError(f"{path}: {error.message}") from error
        try:
            job = imports.import_job_create(
                file=stream,
                original_name=path.name,
                encoding=analysis.encoding,
                delimiter=analysis.delimiter,
            )
            imports.import_job_map(
                job=job, mapping=analysis.mapping, date_format=analysis.date_format
            )
            imports.import_job_start(
                job=job,
                update_existing=update_existing,
                enqueue=False,
                total_rows=total_rows,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        job = imports.import_job_run(job_id=job.pk)
        for row_error in job.row_errors.order_by("row_number").iterator(
            chunk_size=2000
        ):
            self.stdout.write(self._row_line(row_error.row_number, row_error.message))
        self.stdout.write(
            _(
                "Rows: %(rows)s. Created: %(created)s, updated: %(updated)s, "
                "skipped: %(skipped)s, errors: %(errors)s. (Import #%(job)s)"
            )
            % {
                "rows": job.total_rows,
                "created": job.created_count,
                "updated": job.updated_count,
                "skipped": job.skipped_count,
                "errors": job.error_count,
                "job": job.pk,
            }
        )
        if job.status != ImportJob.Status.DONE:
            raise CommandError(
                job.failure
                or _("The import ended as %(status)s.")
                % {"status": job.get_status_display()}
            )

    def _row_line(self, row_number: int, message: str) -> str:
        return terminal_safe(
            _("Row %(row)s: %(message)s") % {"row": row_number, "message": message}
        )
