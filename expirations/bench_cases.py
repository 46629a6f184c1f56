"""Benchmark of the expirations module: the data, the page cases, the daily job.

The issue asks, at 1,000,000 expirations with 10,000 due on the day, for the two
dashboard widgets under 100 ms at p95 and the daily job under 60 seconds.

- ``expirations_bench_build()`` COPYs the expirations into a benchmark database (its
  customers come from ``seed_demo``), settles everything due before (as yesterday's
  runs would have), then adds the rows due today; ``manage.py bench_expirations``
  runs it and times the job.
- The page cases below are found by ``manage.py bench`` (``--case expirations``).

Benchmark rows are recognised by their item ("Benchmark ..."), so a rebuild replaces
them and leaves the rest alone.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bench.cases import register
from customers.models import CustomerAction
from customers.services.history import customer_last_calls_rebuild
from expirations.models import Expiration, ExpirationEvent

BENCH_ITEM = "Benchmark service"
DUE_ITEM = "Benchmark due"
BENCH_ACTION = "Benchmark action"
# Today's due rows, one action each with the default offsets (30, 7, 1 before; 3
# after): a reminder at 30, 7 and 1 day(s) before, and an expiry (yesterday's).
DUE_DAYS_LEFT = (30, 7, 1, -1)
BACKGROUND_SPAN = (-365, 730)  # expiry dates, days from today
COPY_COLUMNS = (
    "customer_id",
    "item",
    "quantity",
    "amount",
    "notes",
    "start_date",
    "expiry_date",
    "anchor_day",
    "is_cancelled",
    "renewal_count",
    "created_at",
    "updated_at",
)


@dataclass
class BuildReport:
    background: int = 0
    due: int = 0
    actions: int = 0
    settle_seconds: float = 0.0
    settled: str = ""


def _customer_ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM customers_customer")
        return [row[0] for row in cursor.fetchall()]


def _expiration_rows(count: int, *, expiry_of, item: str, rng: random.Random, ids):
    now = timezone.now()
    for number in range(count):
        expiry = expiry_of(number)
        yield (
            rng.choice(ids),
            f"{item} {number % 50}",
            1,
            Decimal(rng.randrange(500, 50_000)) / 100,
            "",
            expiry - timedelta(days=365),
            expiry,
            expiry.day,
            rng.random() < 0.05 if item == BENCH_ITEM else False,
            rng.choice((0, 0, 0, 1, 2)),
            now,
            now,
        )


def _copy(table: str, columns, rows) -> int:
    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _analyze() -> None:
    """Fresh statistics and visibility map, as autovacuum would leave them.

    VACUUM cannot run inside a transaction (the tests'): ANALYZE alone there.
    """
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in (
            Expiration._meta.db_table,
            ExpirationEvent._meta.db_table,
            CustomerAction._meta.db_table,
        ):
            cursor.execute(f"{command} {table}")


def background_build(total: int, *, today: date, seed: int = 2026) -> int:
    """``total`` expirations with expiry dates spread over three years around today."""
    rng = random.Random(seed)
    ids = _customer_ids()
    first, last = BACKGROUND_SPAN

    def expiry_of(_number):
        return today + timedelta(days=rng.randint(first, last))

    return _copy(
        Expiration._meta.db_table,
        COPY_COLUMNS,
        _expiration_rows(total, expiry_of=expiry_of, item=BENCH_ITEM, rng=rng, ids=ids),
    )


def due_build(total: int, *, today: date, seed: int = 6) -> int:
    """``total`` expirations due today (spread evenly over ``DUE_DAYS_LEFT``)."""
    rng = random.Random(seed)
    ids = _customer_ids()

    def expiry_of(number):
        return today + timedelta(days=DUE_DAYS_LEFT[number % len(DUE_DAYS_LEFT)])

    return _copy(
        Expiration._meta.db_table,
        COPY_COLUMNS,
        _expiration_rows(total, expiry_of=expiry_of, item=DUE_ITEM, rng=rng, ids=ids),
    )


def actions_build(total: int, *, today: date, due_today: int, seed: int = 7) -> int:
    """Customer actions (calls, tasks...) with due dates; ``due_today`` open today."""
    rng = random.Random(seed)
    ids = _customer_ids()
    now = timezone.now()
    kinds = [kind for kind, _label in CustomerAction.Kind.choices]

    def rows():
        for number in range(total):
            if number < due_today:
                due, done = today, False
            else:
                due = today + timedelta(days=rng.randint(-365, 365))
                due = due if due != today else due + timedelta(days=1)
                done = due < today and rng.random() < 0.9
            yield (
                rng.choice(ids),
                rng.choice(kinds),
                f"{BENCH_ACTION} {number}",
                "",
                due,
                done,
                now if done else None,
                now - timedelta(minutes=number % 100_000),
                now,
            )

    count = _copy(
        CustomerAction._meta.db_table,
        (
            "customer_id",
            "kind",
            "title",
            "note",
            "due_date",
            "done",
            "done_at",
            "created_at",
            "updated_at",
        ),
        rows(),
    )
    # The COPY skips the action services, which keep each customer's last call.
    customer_last_calls_rebuild()
    return count


def expirations_bench_build(
    *,
    total: int = 1_000_000,
    due_today: int = 10_000,
    actions: int = 200_000,
    actions_due_today: int = 300,
    today: date | None = None,
    rebuild: bool = False,
    settle=None,
) -> BuildReport:
    """Brings the database to ``total`` expirations, ``due_today`` of them due.

    The background rows are written once (``rebuild`` writes them again). Then
    everything already due is settled by running the job (``settle(today)``, the
    daily job by default): the state after yesterday's runs. Last, the rows due
    today are (re)written, so the job has exactly ``due_today`` to do.
    """
    from expirations.services.jobs import expirations_run_due

    today = today or timezone.localdate()
    settle = settle or expirations_run_due
    report = BuildReport()
    bench_rows = Expiration.objects.filter(item__startswith="Benchmark ")
    if rebuild:
        bench_rows.delete()
        CustomerAction.objects.filter(title__startswith=BENCH_ACTION).delete()
    Expiration.objects.filter(item__startswith=DUE_ITEM).delete()
    present = bench_rows.count()
    wanted = total - due_today
    if present < wanted:
        report.background = background_build(
            wanted - present, today=today, seed=2026 + present
        )
    if not CustomerAction.objects.filter(title__startswith=BENCH_ACTION).exists():
        report.actions = actions_build(
            actions, today=today, due_today=actions_due_today
        )
    _analyze()
    started = time.perf_counter()
    settled = settle(today)
    report.settle_seconds = time.perf_counter() - started
    report.settled = _run_summary(settled)
    report.due = due_build(due_today, today=today)
    _analyze()
    return report


def _run_summary(run) -> str:
    if run is None:
        return ""
    return (
        f"{run.reminders_sent} reminders, {run.reminders_skipped} skipped, "
        f"{run.expired} expiries"
    )


@dataclass
class JobTiming:
    seconds: float
    reminders_sent: int
    reminders_skipped: int
    expired: int


def expirations_job_time(today: date | None = None) -> JobTiming:
    """Times one run of the daily job (what the beat task and the command call)."""
    from expirations.services.jobs import expirations_run_due

    today = today or timezone.localdate()
    started = time.perf_counter()
    run = expirations_run_due(today)
    seconds = time.perf_counter() - started
    return JobTiming(
        seconds=seconds,
        reminders_sent=run.reminders_sent,
        reminders_skipped=run.reminders_skipped,
        expired=run.expired,
    )


# --- Page cases for ``manage.py bench`` ---


def _tab_url() -> str | None:
    customer_id = (
        Expiration.objects.order_by("-id").values_list("customer_id", flat=True).first()
    )
    if customer_id is None:
        return None
    return reverse("expirations:staff_tab", kwargs={"pk": customer_id})


def _widget(key: str):
    return lambda: reverse("expirations:staff_widget", kwargs={"key": key})


register(
    "expirations: widget upcoming renewals", _widget("expirations_upcoming"), order=70
)
register("expirations: widget to do today", _widget("todo_today"), order=71)
register("expirations: card tab", _tab_url, order=72)


def _report_url(old_filters: str):
    """The report builder's page for the old report's filters (the old URL now
    redirects there); ``None`` with the reports module switched off."""

    def url() -> str | None:
        from django.apps import apps
        from django.http import QueryDict

        from expirations.views.staff.report import SOURCE_KEY, report_builder_query

        if not apps.is_installed("reports"):
            return None
        page = reverse("reports:page", args=[SOURCE_KEY])
        return f"{page}?{report_builder_query(QueryDict(old_filters))}"

    return url


def _next_month_filters() -> str:
    today = timezone.localdate()
    until = today + timedelta(days=30)
    return f"expiry_from={today.isoformat()}&expiry_to={until.isoformat()}"


register(
    "expirations: report expiring soon",
    _report_url("state=expiring_soon"),
    order=73,
)
register(
    "expirations: report expiry next month",
    lambda: _report_url(_next_month_filters())(),
    order=74,
)
register(
    "expirations: customer list sorted by call date",
    "/staff/customers/?sort=-call_date",
    order=75,
)
