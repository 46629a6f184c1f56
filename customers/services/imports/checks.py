"""What an import would do, found without writing anything; the file's first rows
for the mapping step; and the refused rows as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext as _

from customers import importing
from customers.models import ImportJob
from customers.services.imports.writes import customers_by_email

LOOKUP_BATCH_SIZE = 2000


@dataclass
class ImportCheck:
    """What an import would do, found without writing anything."""

    total_rows: int = 0
    new: int = 0
    existing: int = 0
    unchanged: int = 0
    error_rows: int = 0
    rows: list[importing.RowResult] = field(default_factory=list)
    problems: list[importing.RowResult] = field(default_factory=list)
    existing_rows: set[int] = field(default_factory=set)


def import_check(
    *,
    stream: IO[bytes],
    encoding: str,
    delimiter: str,
    headers: list[str],
    mapping: dict[str, str],
    date_format: str,
    sample_size: int = 20,
    problems_size: int | None = 100,
) -> ImportCheck:
    """Reads the whole file: every row's problems, and which rows match customers.

    ``rows`` holds the first ``sample_size`` rows, ``problems`` the first
    ``problems_size`` rows with problems (all of them with None). Raises
    UnreadableFile if the file cannot be read.
    """
    check = ImportCheck()
    fields = [name for name in mapping.values() if name != "email"]
    results = importing.rows_check(
        stream,
        encoding=encoding,
        delimiter=delimiter,
        mapping=mapping,
        column_count=len(headers),
        date_format=date_format,
    )
    for batch in importing.batched(results, LOOKUP_BATCH_SIZE):
        existing = customers_by_email([row.email for row in batch if row.ok], fields)
        for row in batch:
            check.total_rows += 1
            if len(check.rows) < sample_size:
                check.rows.append(row)
            if not row.ok:
                check.error_rows += 1
                if problems_size is None or len(check.problems) < problems_size:
                    check.problems.append(row)
                continue
            customer = existing.get(row.email)
            if customer is None:
                check.new += 1
                continue
            check.existing += 1
            check.existing_rows.add(row.row_number)
            if all(getattr(customer, k) == v for k, v in row.values.items()):
                check.unchanged += 1
    return check


def import_job_check(*, job: ImportJob, **options) -> ImportCheck:
    with job.file.open("rb") as stream:
        return import_check(
            stream=stream,
            encoding=job.encoding,
            delimiter=job.delimiter,
            headers=job.headers,
            mapping=job.mapping,
            date_format=job.date_format,
            **options,
        )


def import_job_sample(*, job: ImportJob, size: int = 5) -> list[list[str]]:
    """The first ``size`` data rows of the job's file, as read."""
    rows: list[list[str]] = []
    with job.file.open("rb") as stream:
        reader = importing.data_rows(
            stream, encoding=job.encoding, delimiter=job.delimiter
        )
        for _row_number, values in reader:
            rows.append(values)
            if len(rows) >= size:
                break
        reader.close()
    return rows


def import_job_error_rows(*, job: ImportJob) -> Iterator[list[str]]:
    """The refused rows as CSV rows: row number, reason, then the row as it was.

    Reads the file and the errors side by side, both in row order; cells a
    spreadsheet would run as formulas are neutralised.
    """
    yield [_("Row"), _("Reason"), *job.headers]
    errors = job.row_errors.order_by("row_number", "id").iterator(chunk_size=2000)
    try:
        stream = job.file.open("rb")
    except (FileNotFoundError, ValueError):
        stream = None
    if stream is None:
        for error in errors:
            yield [str(error.row_number), importing.csv_cell_safe(error.message)]
        return
    with stream:
        rows = importing.data_rows(
            stream, encoding=job.encoding, delimiter=job.delimiter
        )
        current: tuple[int, list[str]] | None = None
        try:
            for error in errors:
                while current is None or current[0] < error.row_number:
                    current = next(rows, None)
                    if current is None:
                        current = (10**12, [])
                values = current[1] if current[0] == error.row_number else []
                yield [
                    str(error.row_number),
                    importing.csv_cell_safe(error.message),
                    *(importing.csv_cell_safe(value) for value in values),
                ]
        except importing.UnreadableFile:
            return
        finally:
            rows.close()
