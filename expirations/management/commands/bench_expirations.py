"""``manage.py bench_expirations``: times the daily job over many expirations.

Generates ``--expirations`` rows (default 1,000,000) in SQL for the customers in the
database (``seed_demo`` first; 1,000 bench customers are made if there are none):

- ``--due`` of them (default 10,000) have something due today, spread evenly over
  the reminder offsets' days (30, 7, 1 days before, 3 after) and the expiry day;
- ``--settled`` (default 40,000) lie inside the job's date windows but were already
  handled on earlier days (their events are generated too), as in a running system;
- the rest expire far before or after today.

Then it runs ``expirations_run_due`` once, timed, checks that it handled exactly the
due rows, runs it a second time (nothing to do), and prints both times. The e-mails
are queued as in production: with ``CELERY_BROKER_URL`` set they are published to
the broker (and purged afterwards); without it Celery runs in-process and every
e-mail is also rendered and handed to the e-mail backend (set to ``locmem`` here),
which is slower. The generated rows are deleted afterwards unless ``--keep``.
Use a benchmark database.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from core.models import SentEmail
from customers.models import Customer
from expirations.models import Expiration, ExpirationEvent, ExpirationSettings
from expirations.services.jobs import (
    CATCH_UP_DAYS,
    expirations_run_due,
    offset_windows,
)

BENCH_NOTE = "bench_expirations"
EXPIRATION_TABLE = Expiration._meta.db_table
EVENT_TABLE = ExpirationEvent._meta.db_table


def _insert_rows(cursor, *, count: int, days_left_sql: str, today: date, tag: str):
    """``count`` expirations of random bench customers; ``days_left_sql`` uses ``g``."""
    cursor.execute(
        f"""
        WITH customers AS (SELECT array_agg(id) AS ids FROM customers_customer)
        INSERT INTO {EXPIRATION_TABLE} (
            customer_id, item, quantity, amount, notes, start_date, expiry_date,
            anchor_day, is_cancelled, renewal_count, created_at, updated_at
        )
        SELECT
            customers.ids[1 + (g::bigint * 7919) %% array_length(customers.ids, 1)],
            'Bench service ' || g, 1, 100 + g %% 500, %(note)s,
            expiry - 365, expiry, extract(day FROM expiry), false, 0, now(), now()
        FROM customers, generate_series(1, %(count)s) AS g,
        LATERAL (SELECT %(today)s::date + ({days_left_sql}) AS expiry) AS dates
        """,  # noqa: S608 - table names and our own expression only
        {"note": f"{BENCH_NOTE}:{tag}", "count": count, "today": today},
    )


class Command(BaseCommand):
    help = "Times the expirations daily job (see the module docstring)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--expirations", type=int, default=1_000_000)
        parser.add_argument("--due", type=int, default=10_000)
        parser.add_argument("--settled", type=int, default=40_000)
        parser.add_argument("--keep", action="store_true")

    def handle(self, *, expirations, due, settled, keep, **options):
        if expirations < due + settled:
            raise CommandError("--expirations must be at least --due + --settled.")
        today = timezone.localdate()
        offsets = ExpirationSettings.load().reminder_offsets
        windows = offset_windows(offsets)
        self._clean()
        self._customers()
        started = time.perf_counter()
        self._seed(today, expirations, due, settled, windows)
        self.stdout.write(
            f"Seeded {expirations:,} expirations ({due:,} due, {settled:,} already "
            f"handled) in {time.perf_counter() - started:.1f} s."
        )
        eager = settings.CELERY_BROKER_URL == "memory://"
        backend = "django.core.mail.backends.locmem.EmailBackend"
        try:
            with override_settings(EMAIL_BACKEND=backend):
                first = self._timed(today, "first run")
                second = self._timed(today, "second run")
            handled = first[1].reminders_sent + first[1].expired
            self.stdout.write(
                f"Handled {handled:,} of {due:,} due ({first[1].reminders_sent:,} "
                f"reminders, {first[1].expired:,} expiries; per offset "
                f"{first[1].per_offset}); second run handled "
                f"{second[1].reminders_sent + second[1].expired}."
            )
            self.stdout.write(
                f"| expirations | due | first run s | second run s | e-mails |\n"
                f"| ---: | ---: | ---: | ---: | --- |\n"
                f"| {expirations:,} | {due:,} | {first[0]:.1f} | {second[0]:.2f} | "
                f"{'rendered and sent in-process' if eager else 'queued to broker'} |"
            )
            if handled != due:
                raise CommandError(f"Expected {due} handled, got {handled}.")
        finally:
            if not eager:
                from config.celery import app

                app.control.purge()
            if not keep:
                self._clean()

    def _timed(self, today: date, label: str):
        started = time.perf_counter()
        report = expirations_run_due(today, stdout=self.stdout)
        seconds = time.perf_counter() - started
        self.stdout.write(f"{label}: {seconds:.2f} s")
        return seconds, report

    def _customers(self) -> None:
        if Customer.objects.exists():
            return
        customers = [
            Customer(
                first_name=f"Bench {number}",
                email=f"bench.expirations.{number}@example.com",
                language="en",
            )
            for number in range(1000)
        ]
        for customer in customers:
            customer.search_text_refresh()  # bulk_create does not call save()
        Customer.objects.bulk_create(customers)

    @transaction.atomic
    def _seed(self, today, expirations, due, settled, windows) -> None:
        due_days = [window.most_days_left for window in windows] + [-1]
        per_day = -(-due // len(due_days))
        with connection.cursor() as cursor:
            made = 0
            for days_left in due_days:
                count = min(per_day, due - made)
                _insert_rows(
                    cursor,
                    count=count,
                    days_left_sql=str(int(days_left)),
                    today=today,
                    tag="due",
                )
                made += count
            # Already handled: spread over the windows, minus today's due days.
            settled_days = [
                days_left
                for window in windows
                for days_left in range(
                    window.fewest_days_left, window.most_days_left + 1
                )
                if days_left not in due_days
            ] + [-days for days in range(2, CATCH_UP_DAYS + 2)]
            _insert_rows(
                cursor,
                count=settled,
                days_left_sql=(
                    f"(ARRAY{settled_days}::integer[])[1 + g %% {len(settled_days)}]"
                ),
                today=today,
                tag="settled",
            )
            for window in windows:
                first, last = window.expiry_range(today)
                cursor.execute(
                    f"""
                    INSERT INTO {EVENT_TABLE} (expiration_id, customer_id, kind,
                        note, expiry_date, offset_days, created_at)
                    SELECT id, customer_id, 'reminder_sent', '', expiry_date, %s,
                        now()
                    FROM {EXPIRATION_TABLE}
                    WHERE notes = %s AND expiry_date BETWEEN %s AND %s
                    """,  # noqa: S608
                    [window.offset, f"{BENCH_NOTE}:settled", first, last],
                )
            cursor.execute(
                f"""
                INSERT INTO {EVENT_TABLE} (expiration_id, customer_id, kind, note,
                    expiry_date, created_at)
                SELECT id, customer_id, 'expired', '', expiry_date, now()
                FROM {EXPIRATION_TABLE}
                WHERE (notes = %s AND expiry_date < %s)
                   OR (notes = %s AND expiry_date < %s)
                """,  # noqa: S608
                [
                    f"{BENCH_NOTE}:settled",
                    today,
                    # Due today for the "after" reminder: expired days ago.
                    f"{BENCH_NOTE}:due",
                    today - timedelta(days=1),
                ],
            )
            # The rest: far from today, before or after.
            rest = expirations - due - settled
            _insert_rows(
                cursor,
                count=rest,
                days_left_sql=(
                    f"CASE WHEN g %% 2 = 0 THEN 31 + g %% 700 "
                    f"ELSE -{CATCH_UP_DAYS + 5} - g %% 700 END"
                ),
                today=today,
                tag="rest",
            )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {EXPIRATION_TABLE}")  # noqa: S608
            cursor.execute(f"ANALYZE {EVENT_TABLE}")  # noqa: S608

    def _clean(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                DELETE FROM {SentEmail._meta.db_table} WHERE event_key LIKE
                'expirations.%%' AND split_part(event_key, ':', 2)::bigint IN (
                    SELECT id FROM {EXPIRATION_TABLE} WHERE notes LIKE %s)
                """,  # noqa: S608
                [f"{BENCH_NOTE}:%"],
            )
            cursor.execute(
                f"""
                DELETE FROM {EVENT_TABLE} WHERE expiration_id IN (
                    SELECT id FROM {EXPIRATION_TABLE} WHERE notes LIKE %s)
                """,  # noqa: S608
                [f"{BENCH_NOTE}:%"],
            )
            cursor.execute(
                f"DELETE FROM {EXPIRATION_TABLE} WHERE notes LIKE %s",  # noqa: S608
                [f"{BENCH_NOTE}:%"],
            )
