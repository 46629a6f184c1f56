"""Importing customers from a CSV file: the job, its mapping, and the batched run.

The file is read and checked by ``customers.importing`` (pure); this module writes.
A job goes UPLOADED (file stored, mapping proposed) → QUEUED (the person chose how
to treat existing customers) → RUNNING → DONE, or FAILED if it broke.

The run is safe to repeat: rows are written in batches, each batch in one
transaction together with the job's counters and ``processed_rows``; a run that
starts again (a worker killed halfway, a message delivered twice) goes on after the
last committed batch, and customers are matched by e-mail anyway, so nobody is
created twice. On PostgreSQL an advisory lock keeps two workers off the same job.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any, cast

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers import importing
from customers.models import Customer, CustomerEvent, ImportJob, ImportRowError
from customers.search import SEARCH_TEXT_SOURCES, customer_search_text

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
LOOKUP_BATCH_SIZE = 2000
IMPORT_SOURCE = "import"
ADVISORY_LOCK_CLASS = 0x1A70  # pg_advisory_lock(class, job id): "import jobs"
INTEGRITY_RETRIES = 3


class ImportInterrupted(Exception):
    """Another run of the same job went further: this one stops."""


def _job_file_name(original_name: str) -> str:
    suffix = PurePath(original_name).suffix.lower()
    return f"{uuid.uuid4().hex}{suffix if suffix in ('.csv', '.txt') else '.csv'}"


def import_job_create(
    *,
    file: IO[bytes],
    original_name: str,
    created_by=None,
    encoding: str = "",
    delimiter: str = "",
) -> ImportJob:
    """Stores an uploaded file as a new import, with a proposed mapping.

    A file that cannot be read (empty, binary, wrong encoding, no header, no row)
    is refused with the reason, and nothing is stored.
    """
    try:
        analysis = importing.file_analyse(file, encoding=encoding, delimiter=delimiter)
    except importing.UnreadableFile as error:
        raise ValidationError(error.message, code="unreadable") from error
    job = ImportJob(
        original_name=PurePath(original_name).name[:255] or "import.csv",
        created_by=created_by
        if created_by is not None and created_by.is_authenticated
        else None,
        encoding=analysis.encoding,
        delimiter=analysis.delimiter,
        date_format=analysis.date_format,
        headers=analysis.headers,
        mapping=analysis.mapping,
    )
    file.seek(0)
    job.file.save(_job_file_name(original_name), File(file), save=False)
    job.save()
    return job


def import_job_map(*, job: ImportJob, mapping: dict[str, str], date_format: str):
    """Sets which column fills which customer field, and how dates are written."""
    mapping = {str(index): name for index, name in mapping.items() if name}
    by_column, general = importing.mapping_problems(mapping, job.headers)
    if by_column or general:
        raise ValidationError([*general, *by_column.values()], code="mapping")
    if date_format not in importing.DATE_FORMATS:
        raise ValidationError(_("Choose how the dates are written."), code="date")
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.UPLOADED:
            raise ValidationError(
                _("This import has already started; its mapping cannot change."),
                code="started",
            )
        locked.mapping = mapping
        locked.date_format = date_format
        locked.save(update_fields=["mapping", "date_format"])
    job.mapping, job.date_format = mapping, date_format
    return job


def import_job_start(
    *,
    job: ImportJob,
    update_existing: bool,
    enqueue: bool = True,
    total_rows: int = 0,
) -> ImportJob:
    """Queues the import; ``enqueue=False`` leaves running it to the caller.

    ``total_rows``, if the caller counted them, spares the run counting them again.
    """
    by_column, general = importing.mapping_problems(job.mapping, job.headers)
    if by_column or general:
        raise ValidationError([*general, *by_column.values()], code="mapping")
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.UPLOADED:
            raise ValidationError(_("This import has already started."), code="started")
        locked.update_existing = update_existing
        locked.status = ImportJob.Status.QUEUED
        locked.total_rows = max(total_rows, 0)
        locked.save(update_fields=["update_existing", "status", "total_rows"])
        if enqueue:
            from customers.tasks import import_job_run_task

            import_job_run_task.delay_on_commit(locked.pk)
    return locked


@contextlib.contextmanager
def _run_lock(job_id: int) -> Iterator[bool]:
    """True if this process may run the job (PostgreSQL: nobody else holds it)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, job_id]
        )
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, job_id]
                )


def import_job_run(*, job_id: int) -> ImportJob:
    """Runs a queued import, or goes on with one that stopped halfway.

    A job that is done, failed, not yet queued, or running in another process is
    left alone.
    """
    with _run_lock(job_id) as acquired:
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        if not acquired or job.status not in (
            ImportJob.Status.QUEUED,
            ImportJob.Status.RUNNING,
        ):
            return job
        language = getattr(job.created_by, "language", "") or None
        with translation.override(language):
            return _job_run(job)


def _job_run(job: ImportJob) -> ImportJob:
    if job.status == ImportJob.Status.QUEUED:
        job.status = ImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        with job.file.open("rb") as stream:
            if not job.total_rows:
                job.total_rows = importing.data_rows_count(
                    stream, encoding=job.encoding, delimiter=job.delimiter
                )
                job.save(update_fields=["total_rows"])
            _rows_write(job, stream)
    except ImportInterrupted:
        job.refresh_from_db()
        return job
    except importing.UnreadableFile as error:
        return _job_fail(job, error.message)
    except Exception:
        logger.exception("Import %s failed", job.pk)
        return _job_fail(
            job,
            _(
                "The import stopped because of an unexpected error after %(count)s "
                "rows; those rows were imported."
            )
            % {"count": ImportJob.objects.get(pk=job.pk).processed_rows},
        )
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _job_fail(job: ImportJob, message: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, failure=message, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _rows_write(job: ImportJob, stream: IO[bytes]) -> None:
    done = job.processed_rows
    position = 0
    results = importing.rows_check(
        stream,
        encoding=job.encoding,
        delimiter=job.delimiter,
        mapping=job.mapping,
        column_count=len(job.headers),
        date_format=job.date_format,
    )
    for batch in importing.batched(results, BATCH_SIZE):
        start, position = position, position + len(batch)
        if position <= done:
            continue  # written by an earlier run; read again for the duplicates check
        batch = batch[max(0, done - start) :]
        start = max(start, done)
        for attempt in range(INTEGRITY_RETRIES):
            try:
                _batch_write(job, batch, start=start, end=position)
                break
            except IntegrityError:
                # Someone created one of these e-mails meanwhile: look them up again.
                if attempt == INTEGRITY_RETRIES - 1:
                    raise


def customers_by_email(emails: list[str], fields: list[str]) -> dict[str, Customer]:
    """Existing customers whose e-mail (any case) is among ``emails`` (lower-case)."""
    if not emails:
        return {}
    found = (
        Customer.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .only("email", *fields)
    )
    return {customer.email_lower: customer for customer in found}


@transaction.atomic(durable=True)
def _batch_write(
    job: ImportJob, batch: list[importing.RowResult], *, start: int, end: int
) -> None:
    """Writes one batch and the job's progress, all or nothing."""
    locked = (
        ImportJob.objects.select_for_update()
        .only("status", "processed_rows")
        .get(pk=job.pk)
    )
    if locked.status != ImportJob.Status.RUNNING or locked.processed_rows != start:
        raise ImportInterrupted
    fields = [name for name in job.mapping.values() if name != "email"]
    # A changed name or phone changes the customer's search_text, built from all
    # its sources: those are loaded too.
    search_sources_change = not set(fields).isdisjoint(SEARCH_TEXT_SOURCES)
    loaded = [*fields, *SEARCH_TEXT_SOURCES] if search_sources_change else fields
    good = [row for row in batch if row.ok]
    existing = customers_by_email([row.email for row in good], loaded)
    new: list[importing.RowResult] = []
    changed: list[tuple[importing.RowResult, Customer]] = []
    skipped = 0
    for row in good:
        customer = existing.get(row.email)
        if customer is None:
            new.append(row)
        elif job.update_existing and _apply(customer, row.values):
            changed.append((row, customer))
        else:
            skipped += 1
    created_ids = _customers_insert(new) if new else {}
    if changed:
        updated = [customer for _row, customer in changed]
        if search_sources_change:
            for customer in updated:
                customer.search_text_refresh()
        _customers_update(
            updated, [*fields, "search_text"] if search_sources_change else fields
        )
    events = [(created_ids[row.email], row.row_number, "created") for row in new] + [
        (customer.pk, row.row_number, "updated") for row, customer in changed
    ]
    _events_insert(job, events)
    errors = [
        ImportRowError(
            job_id=job.pk,
            row_number=row.row_number,
            message=row.message if len(row.message) <= 500 else row.message[:499] + "…",
        )
        for row in batch
        if not row.ok
    ]
    ImportRowError.objects.bulk_create(errors)
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=end,
        created_count=F("created_count") + len(new),
        updated_count=F("updated_count") + len(changed),
        skipped_count=F("skipped_count") + skipped,
        error_count=F("error_count") + len(errors),
    )


def _customers_insert(rows: list[importing.RowResult]) -> dict[str, int]:
    """Creates a customer per row; returns their ids by e-mail.

    On PostgreSQL through COPY (a third of the time of a multi-row INSERT, which
    matters at 100,000 rows); elsewhere through ``bulk_create``.
    """
    if connection.vendor != "postgresql":
        customers = [
            Customer(email=row.email, source=IMPORT_SOURCE, **row.values)
            for row in rows
        ]
        for customer in customers:
            customer.search_text_refresh()  # bulk_create does not call save()
        Customer.objects.bulk_create(customers)
        return {customer.email: customer.pk for customer in customers}
    now = timezone.now()
    defaults: dict[str, Any] = {}
    for model_field in Customer._meta.concrete_fields:
        # has_db_default() (Django 5.0) is missing from django-stubs.
        if model_field.primary_key or model_field.has_db_default():  # type: ignore[attr-defined]
            continue
        if getattr(model_field, "auto_now", False) or getattr(
            model_field, "auto_now_add", False
        ):
            value = now
        else:
            value = model_field.get_default()
        defaults[model_field.attname] = model_field.get_db_prep_save(value, connection)
    defaults["source"] = IMPORT_SOURCE
    columns = list(defaults)
    with connection.cursor() as cursor:
        sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(Customer._meta.db_table),
            ", ".join(
                connection.ops.quote_name(
                    cast(Field, Customer._meta.get_field(name)).column
                )
                for name in columns
            ),
        )
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in rows:
                values = {**defaults, **row.values, "email": row.email}
                values["search_text"] = customer_search_text(
                    **{name: values[name] for name in SEARCH_TEXT_SOURCES}
                )
                copy.write_row([values[name] for name in columns])
    found = Customer.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=[row.email for row in rows]
    )
    return dict(found.values_list("email_lower", "pk"))


def _customers_update(customers: list[Customer], fields: list[str]) -> None:
    """Saves these fields of these customers, and their ``updated_at``.

    On PostgreSQL in one UPDATE joined to the new values (``bulk_update`` builds a
    CASE per field whose cost grows with the square of the batch); elsewhere through
    ``bulk_update``.
    """
    now = timezone.now()
    for customer in customers:
        customer.updated_at = now
    if connection.vendor != "postgresql":
        Customer.objects.bulk_update(customers, [*fields, "updated_at"], batch_size=500)
        return
    meta = Customer._meta
    model_fields = [cast(Field, meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    pk_column = quote(meta.pk.column)
    assignments = ", ".join(
        f"{quote(field.column)} = new.{quote(field.column)}" for field in model_fields
    )
    arrays = ", ".join(
        [
            "%s::bigint[]",
            *(f"%s::{field.db_type(connection)}[]" for field in model_fields),
        ]
    )
    names = ", ".join([pk_column, *(quote(field.column) for field in model_fields)])
    # Only quoted names from the model's metadata go into the text; values are
    # parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS customer SET {assignments}, "  # noqa: S608
        f"{quote(meta.get_field('updated_at').column)} = %s "
        f"FROM unnest({arrays}) AS new({names}) "
        f"WHERE customer.{pk_column} = new.{pk_column}"
    )
    params: list[Any] = [
        now,
        [customer.pk for customer in customers],
        *(
            [
                field.get_db_prep_save(getattr(customer, field.attname), connection)
                for customer in customers
            ]
            for field in model_fields
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _events_insert(job: ImportJob, events: list[tuple[int, int, str]]) -> None:
    """One IMPORTED event per (customer id, row number, "created" or "updated")."""
    if not events:
        return
    detail = job.original_name[:500]
    if connection.vendor != "postgresql":
        CustomerEvent.objects.bulk_create(
            CustomerEvent(
                customer_id=customer_id,
                kind=CustomerEvent.Kind.IMPORTED,
                actor_id=job.created_by_id,
                detail=detail,
                data={"import": job.pk, "row": row_number, "action": action},
            )
            for customer_id, row_number, action in events
        )
        return
    from psycopg.types.json import Jsonb

    meta = CustomerEvent._meta
    columns = ["customer", "kind", "detail", "data", "actor", "created_at"]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(meta.db_table),
        ", ".join(
            connection.ops.quote_name(cast(Field, meta.get_field(name)).column)
            for name in columns
        ),
    )
    now = timezone.now()
    kind = CustomerEvent.Kind.IMPORTED.value
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for customer_id, row_number, action in events:
            data = {"import": job.pk, "row": row_number, "action": action}
            copy.write_row(
                [customer_id, kind, detail, Jsonb(data), job.created_by_id, now]
            )


def _apply(customer: Customer, values: dict) -> bool:
    """Sets the row's non-empty values on the customer; True if anything changed.

    An empty cell leaves the customer's value as it is.
    """
    changed = False
    for name, value in values.items():
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed = True
    return changed


# --- Reading without writing: the preview and --dry-run ------------------------------


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
