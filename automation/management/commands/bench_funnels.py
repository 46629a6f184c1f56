"""``manage.py bench_funnels``: the funnels engine at scale (bench/README.md).

The work is in ``bench.funnels``; this command reads the options, prints the
figures and exits with status 1 when the correctness check fails.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bench.funnels import BenchUnavailable, funnels_bench, result_lines

RSS_LIMIT_MB = 300  # the bound for a worker with a backlog of 1M steps


class Command(BaseCommand):
    help = (
        "Makes N bench customers, enrols them in a four-step funnel (credit, tag, "
        "e-mail, exit) with the bulk enrolment, runs it to the end with worker "
        "processes calling the beat task's tick, and prints the enrolment rate, "
        "steps per minute, each worker's peak memory and the latency of a lone "
        "step; exit status 1 if a customer has not exactly one credit and one "
        "e-mail. Use a benchmark database (with CELERY_BROKER_URL set, the e-mails "
        "are queued, not sent in-process)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers",
            type=int,
            default=100_000,
            help="How many customers to enrol (default 100000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Worker processes (default 2; SQLite: 1, run in this process).",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=500,
            help="Steps per tick transaction (default 500, as beat).",
        )
        parser.add_argument(
            "--enrol-only",
            action="store_true",
            help=(
                "Enrol, then let one worker tick --ticks times (4 batches each) over "
                "the backlog and print its peak RSS, instead of running to the end."
            ),
        )
        parser.add_argument(
            "--ticks",
            type=int,
            default=3,
            help="With --enrol-only: the worker's ticks (default 3, 1 to 100).",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep the funnel, its runs and e-mails and the tag.",
        )

    def handle(
        self, *, customers, workers, batch, keep, enrol_only, ticks, **options
    ) -> None:
        if customers < 1 or workers < 1 or not 1 <= batch <= 5000:
            raise CommandError(
                "--customers and --workers must be at least 1, --batch 1 to 5000."
            )
        if not 1 <= ticks <= 100:
            raise CommandError("--ticks must be 1 to 100.")
        if connection.vendor == "sqlite":
            if workers != 1:
                raise CommandError("SQLite has one writer: use --workers 1.")
            workers = 0  # in this process: no second process can write
        eager = self._eager()
        if eager:
            self.stdout.write(
                "No CELERY_BROKER_URL: each e-mail is also rendered and sent "
                "in-process (locmem backend), which the figures include."
            )
        try:
            result = funnels_bench(
                customers=customers,
                workers=workers,
                batch=batch,
                keep=keep,
                log=self.stdout.write,
                enrol_only=enrol_only,
                ticks=ticks,
            )
        except BenchUnavailable as error:
            raise CommandError(str(error)) from error
        finally:
            if not eager:
                from config.celery import app

                app.control.purge()  # the e-mails' delivery tasks: never sent
        for line in result_lines(result):
            self.stdout.write(line)
        if result.backlog is not None and result.backlog.peak_rss_mb >= RSS_LIMIT_MB:
            raise CommandError(
                f"The worker's peak RSS is over {RSS_LIMIT_MB} MB.", returncode=1
            )
        if result.problems:
            raise CommandError("The correctness check failed.", returncode=1)

    def _eager(self) -> bool:
        from django.conf import settings

        return bool(settings.CELERY_TASK_ALWAYS_EAGER)
