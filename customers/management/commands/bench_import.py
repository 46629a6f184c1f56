"""``manage.py bench_import --rows 100000``: times the CSV import end to end.

Writes a realistic file (semicolon separated, UTF-8 with accents, dd/mm/yyyy dates,
ten columns, a bad e-mail every ``--errors-every`` rows) to a temporary folder, then
imports it through the same services as the wizard and ``import_customers``: first
look and storage, the readability pass, and the batched run. Prints the time of each
phase, the rows per second and the peak memory. The imported customers are deleted
afterwards unless ``--keep`` is given.
"""

from __future__ import annotations

import random
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from customers import importing
from customers.models import Customer, CustomerEvent, ImportJob
from customers.services import imports

FIRST_NAMES = (
    "Lucía", "Mateo", "Giulia", "João", "Ana", "Marco", "Inês", "Álvaro", "Chiara",
    "Tomás", "Beatriz", "Luca", "Noemí", "Gonçalo", "Francesca", "Sofía", "Andrea",
)  # fmt: skip
LAST_NAMES = (
    "García", "Rossi", "Silva", "Fernández", "Bianchi", "Santos", "López", "Ricci",
    "Pereira", "Martínez", "Esposito", "Costa", "Gómez", "Romano", "Oliveira",
)  # fmt: skip
CITIES = (
    ("Madrid", "Madrid", "28013"), ("Sevilla", "Sevilla", "41001"),
    ("Milano", "Lombardia", "20121"), ("Napoli", "Campania", "80133"),
    ("Lisboa", "Lisboa", "1100-148"), ("Porto", "Porto", "4000-322"),
    ("València", "València", "46002"), ("Forlì", "Emilia-Romagna", "47121"),
)  # fmt: skip
STREETS = ("Calle Mayor", "Via Roma", "Rua Augusta", "Avenida da Liberdade")
HEADER = (
    "Nombre;Apellidos;Correo electrónico;Teléfono;Dirección;Ciudad;Provincia;"
    "Código postal;Fecha de nacimiento;Razón social\n"
)


def bench_file_write(path: Path, *, rows: int, tag: str, errors_every: int) -> None:
    rng = random.Random(2026)
    first_day = date(1940, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for number in range(rows):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            city, region, postal_code = rng.choice(CITIES)
            born = first_day + timedelta(days=rng.randrange(365 * 65))
            email = f"bench.{tag}.{number}@example.com"
            if errors_every and number % errors_every == errors_every - 1:
                email = f"bench.{tag}.{number}-at-example.com"  # refused
            company = f"{last} & Asociados S.L." if number % 4 == 0 else ""
            out.write(
                f"{first};{last};{email};+34 6{number % 100_000_000:08d};"
                f"{rng.choice(STREETS)}, {rng.randrange(1, 300)};{city};{region};"
                f"{postal_code};{born:%d/%m/%Y};{company}\n"
            )


class Command(BaseCommand):
    help = "Times the CSV import of N generated customers (see the module docstring)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument(
            "--errors-every",
            type=int,
            default=200,
            help="One row in N has a bad e-mail (0: none). Default 200.",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the imported customers."
        )

    def handle(self, *, rows: int, errors_every: int, keep: bool, **options) -> None:
        if rows < 1:
            raise CommandError("--rows must be at least 1.")
        tag = f"{int(time.time())}"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.csv"
            started = time.perf_counter()
            bench_file_write(path, rows=rows, tag=tag, errors_every=errors_every)
            written = time.perf_counter()
            size_mb = path.stat().st_size / 1_000_000
            with path.open("rb") as stream:
                job = imports.import_job_create(file=stream, original_name="bench.csv")
                analysed = time.perf_counter()
                total = importing.data_rows_count(
                    stream, encoding=job.encoding, delimiter=job.delimiter
                )
            counted = time.perf_counter()
            imports.import_job_start(
                job=job, update_existing=False, enqueue=False, total_rows=total
            )
            job = imports.import_job_run(job_id=job.pk)
            finished = time.perf_counter()
        if job.status != ImportJob.Status.DONE:
            raise CommandError(f"The import ended as {job.status}: {job.failure}")
        seconds = finished - written
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            "\n".join(
                [
                    f"Import benchmark on {connection.vendor}: {rows:,} rows, "
                    f"{size_mb:.1f} MB (file written in {written - started:.1f} s).",
                    f"- first look and storage: {analysed - written:.2f} s",
                    f"- readability pass (count): {counted - analysed:.2f} s",
                    f"- batched run: {finished - counted:.2f} s",
                    f"Total: {seconds:.2f} s, {rows / seconds:,.0f} rows/s; "
                    f"created {job.created_count:,}, errors {job.error_count:,}; "
                    f"peak memory {peak_mb:.0f} MB.",
                ]
            )
        )
        if not keep:
            self._clean_up(job)

    def _clean_up(self, job: ImportJob) -> None:
        """Deletes what the import created: its events, then its customers.

        Plain DELETEs, not the ORM's cascade: the new customers have nothing else,
        and a foreign key that says otherwise stops the clean-up, as it should.
        """
        events = CustomerEvent.objects.filter(
            kind=CustomerEvent.Kind.IMPORTED, data__import=job.pk
        )
        ids = list(events.values_list("customer_id", flat=True))
        table = connection.ops.quote_name(Customer._meta.db_table)
        with transaction.atomic():
            events.delete()
            with connection.cursor() as cursor:
                for start in range(0, len(ids), 2000):
                    chunk = ids[start : start + 2000]
                    placeholders = ", ".join(["%s"] * len(chunk))
                    cursor.execute(
                        # The table name is quoted; the ids are parameters.
                        f"DELETE FROM {table} WHERE id IN ({placeholders})",  # noqa: S608
                        chunk,
                    )
        job.file.delete(save=False)
        job.delete()
        self.stdout.write(f"Deleted the {len(ids):,} imported customers.")
