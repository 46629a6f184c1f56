"""``manage.py bench_ledger``: the ledger's benchmark (see bench/README.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bench.ledger import (
    entries_generate,
    throughput_report,
    throughput_run,
    verify_time,
)
from customers.models import Customer


class Command(BaseCommand):
    help = (
        "Posting throughput with 1, 4 and 16 writers (ours next to a raw-SQL "
        "baseline), and the time of verify_balances over many entries. PostgreSQL "
        "only; it writes real entries: use a benchmark database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, metavar="N", help="Run seed_demo --customers N first."
        )
        parser.add_argument(
            "--writers",
            type=int,
            nargs="+",
            default=[1, 4, 16],
            help="Numbers of concurrent writers (default 1 4 16).",
        )
        parser.add_argument(
            "--seconds", type=float, default=5.0, help="Per run (default 5)."
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=3,
            help="Runs of each, ours and baseline alternately; medians (default 3).",
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=1000,
            help="How many customers the random target spreads over (default 1000).",
        )
        parser.add_argument(
            "--verify-entries",
            type=int,
            metavar="N",
            help="Grow the ledger to N entries (generated in SQL), then time "
            "verify_balances.",
        )
        parser.add_argument(
            "--entries-per-customer",
            type=int,
            default=10,
            help="For --verify-entries (default 10).",
        )
        parser.add_argument(
            "--skip-throughput", action="store_true", help="Only --verify-entries."
        )
        parser.add_argument(
            "--output", type=Path, metavar="PATH", help="Also write the report here."
        )

    def handle(self, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_ledger needs PostgreSQL.")
        if min(options["writers"]) < 1 or options["repeat"] < 1:
            raise CommandError("--writers and --repeat must be at least 1.")
        if options["seconds"] <= 0:
            raise CommandError("--seconds must be positive.")
        if options["seed"]:
            call_command("seed_demo", customers=options["seed"], stdout=self.stdout)
        customer_ids = list(
            Customer.objects.order_by("pk").values_list("pk", flat=True)[
                : options["customers"]
            ]
        )
        if not customer_ids:
            raise CommandError("No customers: run with --seed N first.")
        sections = []
        if not options["skip_throughput"]:
            results = throughput_run(
                writers_list=options["writers"],
                seconds=options["seconds"],
                customer_ids=customer_ids,
                repeat=options["repeat"],
            )
            sections.append(
                throughput_report(results, options["seconds"], options["repeat"])
            )
            self.stdout.write(sections[-1])
        if options["verify_entries"]:
            total = entries_generate(
                total=options["verify_entries"],
                per_customer=options["entries_per_customer"],
                report=self.stdout.write,
            )
            seconds, mismatches = verify_time()
            sections.append(
                f"verify_balances over {total:,} entries and "
                f"{Customer.objects.count():,} customers: {seconds:.1f} s, "
                f"{mismatches} mismatches."
            )
            self.stdout.write(sections[-1])
        if options["output"]:
            options["output"].write_text("\n\n".join(sections) + "\n")
