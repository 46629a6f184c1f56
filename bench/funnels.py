"""The funnels engine at scale: ``manage.py bench_funnels`` (see bench/README.md).

It makes (or reuses) N bench customers, a four-step funnel built by name through
the registries (``balance.assign_credits``, ``customers.add_tag``,
``automation.send_email``, exit), enrols them all with the set-based bulk
enrolment, runs the funnel to the end with worker processes calling the tick the
beat task calls (``funnels_tick``, each in its own connection), times a step due
with an empty backlog, and checks that every customer got exactly one credit and
one e-mail.

Like ``automation``, it knows the other apps only by name: actions from
``core.plugins.automation_actions``, the tag's model from the tag action's form,
the ledger's entries through ``django.apps``. Cleaning up removes the funnel, its
runs and e-mails and the tag; the customers and their credits stay, because the
ledger is append-only (PostgreSQL refuses to delete an entry): a later run reuses
those customers.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import connection, connections
from django.db.models import CharField, Count, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.crypto import get_random_string

from automation.definition import MANUAL_TRIGGER
from automation.models import Funnel, Run, StepVisit
from automation.services import funnel_enrol, funnel_import, funnels_tick
from core import plugins
from core.models import SentEmail
from customers.models import Customer

BENCH_DOMAIN = "bench-funnels.invalid"
BENCH_NAME = "bench_funnels"
CREDIT = Decimal("1.00")
CREATE_CHUNK = 10_000
CREDIT_ACTION = "balance.assign_credits"
TAG_ACTION = "customers.add_tag"
EMAIL_ACTION = "automation.send_email"
KEY_PREFIX = "funnel-step:"  # the engine's idempotency key: funnel-step:<visit id>

Log = Callable[[str], None]


@dataclass
class WorkerFigures:
    steps: int
    seconds: float
    peak_rss_mb: float


@dataclass
class BacklogFigures:
    """A worker ticking over a big backlog (``--enrol-only``): its memory and
    times."""

    backlog: int
    start_rss_mb: float
    peak_rss_mb: float
    steps: int
    tick_seconds: list[float]
    health_seconds: float


@dataclass
class FunnelBenchResult:
    customers: int
    created: int
    enrolled: int = 0
    enrol_seconds: float = 0.0
    steps: int = 0
    run_seconds: float = 0.0
    workers: list[WorkerFigures] = field(default_factory=list)
    latency_seconds: float = 0.0
    load: list[tuple[float, float, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    enrol_only: bool = False
    backlog: BacklogFigures | None = None

    @property
    def enrol_rate(self) -> float:
        return self.enrolled / self.enrol_seconds if self.enrol_seconds else 0.0

    @property
    def steps_per_minute(self) -> float:
        return self.steps * 60 / self.run_seconds if self.run_seconds else 0.0


class BenchUnavailable(Exception):
    """The bench cannot run here (an action is not installed, a bad option)."""


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _action(key: str) -> plugins.AutomationAction:
    action = plugins.automation_actions.get(key)
    if action is None:
        raise BenchUnavailable(
            f"The action {key!r} is not registered: is its app installed?"
        )
    return action


def bench_customers(count: int, *, log: Log) -> tuple[list[int], int]:
    """The ids of ``count`` bench customers (consenting to the newsletter), made
    with ``bulk_create`` when missing; returns them and how many were made."""
    existing = Customer.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")
    have = existing.count()
    made = 0
    number = have
    while have + made < count:
        size = min(CREATE_CHUNK, count - have - made)
        batch = []
        for _n in range(size):
            number += 1
            customer = Customer(
                first_name="Bench",
                last_name=f"Customer {number}",
                email=f"c{number}.{get_random_string(6).lower()}@{BENCH_DOMAIN}",
                language="en",
                newsletter_subscribed=True,
            )
            customer.search_text_refresh()  # bulk_create does not call save()
            batch.append(customer)
        Customer.objects.bulk_create(batch, batch_size=2_000)
        made += size
        log(f"  customers: {have + made:,} of {count:,}")
    if made and connection.vendor == "postgresql":
        # Fresh statistics: on a never-analysed customers table PostgreSQL's
        # foreign-key check of each run enrolled picked the last-call index (a
        # scan of the whole index per row: 294 s for 5,000 runs at 1M customers).
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {connection.ops.quote_name(Customer._meta.db_table)}"
            )
    ids = list(existing.order_by("pk").values_list("pk", flat=True)[:count])
    return ids, made


def bench_tag():
    """The bench's tag, of the model the tag action's form offers."""
    form_class = _action(TAG_ACTION).form_class
    tag_model = form_class().fields["tag"].queryset.model
    tag, _created = tag_model.objects.get_or_create(name=BENCH_NAME)
    return tag


def bench_funnel(tag_id: int) -> Funnel:
    """The four-step funnel, imported (checked by every action's form) and active."""
    for key in (CREDIT_ACTION, EMAIL_ACTION):
        _action(key)
    document = {
        "format": "clientela-funnel",
        "version": 1,
        "name": f"{BENCH_NAME} {timezone.now():%Y-%m-%d %H:%M:%S}",
        "trigger": {"key": MANUAL_TRIGGER, "params": {}},
        "reentry": {"policy": "once"},
        "steps": [
            {
                "key": "credit",
                "kind": "action",
                "action": CREDIT_ACTION,
                "params": {"amount": str(CREDIT), "note": BENCH_NAME},
                "next": "tag",
            },
            {
                "key": "tag",
                "kind": "action",
                "action": TAG_ACTION,
                "params": {"tag": tag_id},
                "next": "email",
            },
            {
                "key": "email",
                "kind": "action",
                "action": EMAIL_ACTION,
                "params": {
                    "subject": {"en": "Hello {first_name}"},
                    "body": {"en": "<p>A credit for you, {first_name}.</p>"},
                },
                "next": "exit",
            },
            {"key": "exit", "kind": "exit"},
        ],
    }
    return funnel_import(document=document, activate=True)


def bench_enrol(funnel: Funnel, customer_ids: list[int], *, log: Log) -> int:
    customers = Customer.objects.filter(pk__in=customer_ids)
    if len(customer_ids) > 1 and customer_ids[-1] - customer_ids[0] + 1 == len(
        customer_ids
    ):
        # Consecutive ids (the usual case): a range, not a list of a million.
        customers = Customer.objects.filter(
            pk__gte=customer_ids[0], pk__lte=customer_ids[-1]
        )

    def progress(done: int, total: int) -> None:
        log(f"  enrolled: {done:,} of {total:,}")

    return funnel_enrol(funnel, customers, progress=progress)


def _pending(funnel_id: int) -> bool:
    return StepVisit.objects.filter(
        run__funnel_id=funnel_id, state=StepVisit.State.SCHEDULED
    ).exists()


def worker_loop(funnel_id: int, batch: int) -> WorkerFigures:
    """Ticks (as beat would, back to back) until the funnel has no step left."""
    started = time.perf_counter()
    steps = 0
    while True:
        report = funnels_tick(batch=batch)
        steps += report.processed
        if report.processed:
            continue
        if not _pending(funnel_id):
            break
        time.sleep(0.05)  # the other worker holds the rest: wait for its commit
    return WorkerFigures(steps, time.perf_counter() - started, peak_rss_mb())


def _worker_main(funnel_id: int, batch: int, results) -> None:
    connections.close_all()  # never share the parent's socket: a fresh connection
    try:
        results.put(worker_loop(funnel_id, batch))
    except BaseException:  # told to the parent, which would wait for ever
        results.put(traceback.format_exc())
        raise
    finally:
        connections.close_all()


def bench_run(funnel: Funnel, *, workers: int, batch: int) -> list[WorkerFigures]:
    """Runs the funnel to the end: in this process (``workers=0``, SQLite) or in
    ``workers`` forked processes, each with its own database connection."""
    if workers == 0:
        return [worker_loop(funnel.pk, batch)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    connections.close_all()  # the children must not inherit an open connection
    processes = [
        context.Process(target=_worker_main, args=(funnel.pk, batch, results))
        for _n in range(workers)
    ]
    for process in processes:
        process.start()
    answers: list[WorkerFigures | str] = []
    while len(answers) < len(processes):
        try:
            answers.append(results.get(timeout=1))
        except queue.Empty:
            if not any(process.is_alive() for process in processes):
                break  # one died without a word (killed): stop waiting
    for process in processes:
        process.join()
    failures = [answer for answer in answers if isinstance(answer, str)]
    if failures or len(answers) < len(processes):
        raise RuntimeError("A worker failed:\n" + "\n".join(failures))
    return [answer for answer in answers if isinstance(answer, WorkerFigures)]


def bench_backlog(*, workers: int, batch: int, ticks: int) -> BacklogFigures:
    """With the whole enrolment due, one worker ticks ``ticks`` times (four batches
    each) and then once more for the health record alone: its peak RSS, in a
    fresh ``spawn``ed process (as a Celery worker's), or in this one (SQLite)."""
    backlog = StepVisit.objects.filter(state=StepVisit.State.SCHEDULED).count()
    if workers == 0:
        from bench.funnels_worker import _rss_mb

        start_rss = _rss_mb()
        steps, seconds = 0, []
        for _n in range(ticks):
            started = time.perf_counter()
            steps += funnels_tick(batch=batch, limit=batch * 4).processed
            seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        funnels_tick(limit=0)
        health = time.perf_counter() - started
        return BacklogFigures(backlog, start_rss, peak_rss_mb(), steps, seconds, health)
    from bench.funnels_worker import backlog_worker

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    name = connection.settings_dict["NAME"]
    process = context.Process(target=backlog_worker, args=(name, batch, ticks, results))
    process.start()
    answer = None
    while answer is None:
        try:
            answer = results.get(timeout=1)
        except queue.Empty:
            if not process.is_alive():
                break
    process.join()
    if not isinstance(answer, tuple):
        raise RuntimeError(f"The backlog worker failed:\n{answer or 'killed'}")
    start_rss, peak, steps, seconds, health = answer
    return BacklogFigures(backlog, start_rss, peak, steps, seconds, health)


def bench_latency(funnel: Funnel) -> float:
    """A step due while nothing else is: seconds from its ``due_at`` until it is
    done by one tick (the beat task's, which runs every minute)."""
    # Not of the bench's domain: a later run must not take it for one of its own.
    email = f"{get_random_string(8).lower()}@latency.{BENCH_DOMAIN}"
    customer = Customer(
        first_name="Bench", last_name="Latency", email=email, language="en"
    )
    customer.search_text_refresh()
    customer.save()
    funnel_enrol(funnel, Customer.objects.filter(pk=customer.pk))
    funnels_tick()
    first = (
        StepVisit.objects.filter(
            run__funnel=funnel, run__customer=customer, step_key="credit"
        )
        .values_list("due_at", "finished_at")
        .get()
    )
    if first[1] is None:
        raise RuntimeError("The tick left the latency step undone.")
    # finished_at is the tick's "now" (its start); the real end is later.
    return (timezone.now() - first[0]).total_seconds()


def _keys(funnel: Funnel, step_key: str):
    """The idempotency keys the engine gave the step's visits in this funnel."""
    return (
        StepVisit.objects.filter(run__funnel=funnel, step_key=step_key)
        .annotate(key=Concat(Value(KEY_PREFIX), Cast("pk", CharField())))
        .values("key")
    )


def _statistics_refresh() -> None:
    """ANALYZE what the run filled: autovacuum has not caught up with the 100,000s
    of rows it just wrote, and on statistics that still say "empty" PostgreSQL
    checks the e-mails with a nested loop over both sides (hours at 100,000)."""
    if connection.vendor != "postgresql":
        return
    tables = [
        connection.ops.quote_name(model._meta.db_table)
        for model in (SentEmail, StepVisit, Run, apps.get_model("balance", "Entry"))
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def bench_check(funnel: Funnel, customer_ids: list[int]) -> list[str]:
    """What is wrong at the end: every run exited, every customer exactly one
    credit entry and one e-mail from this funnel, no step failed or left."""
    problems = []
    _statistics_refresh()
    expected = len(customer_ids)
    runs = Run.objects.filter(funnel=funnel, customer_id__in=customer_ids)
    ended = runs.filter(state=Run.State.EXITED).count()
    if ended != expected:
        problems.append(f"{expected - ended:,} of {expected:,} runs did not exit.")
    left = StepVisit.objects.filter(run__in=runs).exclude(state=StepVisit.State.DONE)
    if left.exists():
        by_state = dict(
            left.values_list("state").annotate(n=Count("id")).values_list("state", "n")
        )
        problems.append(f"Steps not done: {by_state}.")
    entry_model = apps.get_model("balance", "Entry")
    credits = (
        entry_model.objects.filter(
            customer_id__in=customer_ids, idempotency_key__in=_keys(funnel, "credit")
        )
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    per_customer = {row["customer_id"]: row["n"] for row in credits}
    problems.extend(_counts_check("credit entries", per_customer, customer_ids))
    emails = SentEmail.objects.filter(event_key__in=_keys(funnel, "email"))
    to_customer = dict(
        Customer.objects.filter(pk__in=customer_ids).values_list("email", "pk")
    )
    per_customer = {}
    for address in emails.values_list("to", flat=True).iterator():
        pk = to_customer.get(address)
        if pk is not None:
            per_customer[pk] = per_customer.get(pk, 0) + 1
    problems.extend(_counts_check("e-mails", per_customer, customer_ids))
    return problems


def _counts_check(what: str, counts: dict[int, int], customer_ids) -> list[str]:
    missing = sum(1 for pk in customer_ids if counts.get(pk, 0) == 0)
    doubled = sum(1 for n in counts.values() if n > 1)
    problems = []
    if missing:
        problems.append(f"{missing:,} customers have no {what}.")
    if doubled:
        problems.append(f"{doubled:,} customers have more than one of the {what}.")
    return problems


def bench_clean(funnel: Funnel | None, tag) -> None:
    """Removes what the run made, except the customers and their credits (the
    ledger is append-only)."""
    if funnel is not None:
        SentEmail.objects.filter(event_key__in=_keys(funnel, "email")).delete()
        with connection.cursor() as cursor:
            visits = connection.ops.quote_name(StepVisit._meta.db_table)
            runs = connection.ops.quote_name(Run._meta.db_table)
            cursor.execute(
                f"DELETE FROM {visits} WHERE run_id IN"  # noqa: S608
                f" (SELECT id FROM {runs} WHERE funnel_id = %s)",
                [funnel.pk],
            )
            cursor.execute(
                f"DELETE FROM {runs} WHERE funnel_id = %s",  # noqa: S608
                [funnel.pk],
            )
        Funnel.objects.filter(pk=funnel.pk).update(published_version=None)
        Funnel.objects.filter(pk=funnel.pk).delete()
    if tag is not None:
        tag.delete()


def funnels_bench(
    *,
    customers: int,
    workers: int,
    batch: int,
    keep: bool,
    log: Log,
    enrol_only: bool = False,
    ticks: int = 3,
) -> FunnelBenchResult:
    """The whole benchmark; ``workers=0`` runs the ticks in this process. With
    ``enrol_only`` the funnel is not run to the end: after the enrolment one
    worker ticks ``ticks`` times over the backlog, for its memory."""
    funnel = tag = None
    try:
        started = time.perf_counter()
        ids, made = bench_customers(customers, log=log)
        result = FunnelBenchResult(customers=len(ids), created=made)
        log(
            f"Customers: {len(ids):,} ({made:,} made) in "
            f"{time.perf_counter() - started:.1f} s."
        )
        tag = bench_tag()
        funnel = bench_funnel(tag.pk)
        started = time.perf_counter()
        result.enrolled = bench_enrol(funnel, ids, log=log)
        result.enrol_seconds = time.perf_counter() - started
        log(
            f"Enrolled {result.enrolled:,} in {result.enrol_seconds:.2f} s "
            f"({result.enrol_rate:,.0f} rows/s)."
        )
        if enrol_only:
            result.enrol_only = True
            result.load.append(os.getloadavg())
            result.backlog = bench_backlog(workers=workers, batch=batch, ticks=ticks)
            result.load.append(os.getloadavg())
            return result
        started = time.perf_counter()
        result.load.append(os.getloadavg())
        result.workers = bench_run(funnel, workers=workers, batch=batch)
        result.run_seconds = time.perf_counter() - started
        result.load.append(os.getloadavg())
        result.steps = sum(worker.steps for worker in result.workers)
        result.problems = bench_check(funnel, ids)
        result.latency_seconds = bench_latency(funnel)
        return result
    finally:
        if not keep:
            bench_clean(funnel, tag)


def _backlog_lines(result: FunnelBenchResult) -> list[str]:
    figures = result.backlog
    assert figures is not None
    return [
        f"Customers: {result.customers:,}; enrolled {result.enrolled:,} in "
        f"{result.enrol_seconds:.2f} s ({result.enrol_rate:,.0f} rows/s).",
        f"Backlog: {figures.backlog:,} due steps; a worker ran {figures.steps:,} of "
        f"them in {len(figures.tick_seconds)} ticks of 4 batches ("
        + ", ".join(f"{seconds:.2f}" for seconds in figures.tick_seconds)
        + " s).",
        f"Worker RSS: {figures.start_rss_mb:.0f} MB at start, peak "
        f"{figures.peak_rss_mb:.0f} MB.",
        f"A tick with nothing to run (scans and the health record over the "
        f"backlog): {figures.health_seconds:.2f} s.",
        "Load average (1, 5, 15 min) before and after: "
        + "; ".join(" ".join(f"{value:.2f}" for value in load) for load in result.load),
    ]


def result_lines(result: FunnelBenchResult) -> list[str]:
    if result.enrol_only:
        return _backlog_lines(result)
    lines = [
        f"Customers: {result.customers:,}; enrolled {result.enrolled:,} in "
        f"{result.enrol_seconds:.2f} s ({result.enrol_rate:,.0f} rows/s).",
        f"Steps: {result.steps:,} in {result.run_seconds:.1f} s: "
        f"{result.steps_per_minute:,.0f} steps/min "
        f"with {len(result.workers)} worker(s).",
    ]
    for number, worker in enumerate(result.workers, start=1):
        lines.append(
            f"Worker {number}: {worker.steps:,} steps in {worker.seconds:.1f} s, "
            f"peak RSS {worker.peak_rss_mb:.0f} MB."
        )
    lines.append(
        f"Latency: a step due with an empty backlog was done "
        f"{result.latency_seconds:.2f} s after it was due, in one tick."
    )
    lines.append(
        "Load average (1, 5, 15 min) before and after the run: "
        + "; ".join(" ".join(f"{value:.2f}" for value in load) for load in result.load)
    )
    if result.problems:
        lines.append("Correctness: FAILED")
        lines.extend(f"  {problem}" for problem in result.problems)
    else:
        lines.append(
            "Correctness: OK (every customer exactly one credit entry and one e-mail)."
        )
    return lines
