"""The import job: created from an upload, mapped, queued, and run batch by batch.

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
from pathlib import PurePath
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers import importing
from customers.models import ImportJob
from customers.services.imports import writes
from customers.services.imports.writes import ImportInterrupted

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
ADVISORY_LOCK_CLASS = 0x1A70  # pg_advisory_lock(class, job id): "import jobs"
INTEGRITY_RETRIES = 3


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
                writes.batch_write(job, batch, start=start, end=position)
                break
            except IntegrityError:
                # Someone created one of these e-mails meanwhile: look them up again.
                if attempt == INTEGRITY_RETRIES - 1:
                    raise
