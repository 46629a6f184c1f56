"""``manage.py bench``: server-side page times of the registered cases (see bench/)."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.cases import registered_cases
from bench.runner import bench_users, cases_run, report

DEFAULT_REPEAT = 30
DEFAULT_WARMUP = 3


class Command(BaseCommand):
    help = (
        "Times the registered pages with Django's test client (staff pages as the demo "
        "superuser, customer-area pages as the demo customer) and prints the median "
        "and p95 time and the SQL queries per request as a Markdown table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, metavar="N", help="Run seed_demo --customers N first."
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=DEFAULT_REPEAT,
            help=f"Timed requests per case (default {DEFAULT_REPEAT}).",
        )
        parser.add_argument(
            "--warmup",
            type=int,
            default=DEFAULT_WARMUP,
            help=f"Untimed requests per case before those (default {DEFAULT_WARMUP}).",
        )
        parser.add_argument(
            "--case",
            action="append",
            dest="case_names",
            metavar="NAME",
            help="Run only the cases whose name contains NAME (repeatable).",
        )
        parser.add_argument(
            "--output", type=Path, metavar="PATH", help="Also write the report here."
        )
        parser.add_argument(
            "--list", action="store_true", dest="list_cases", help="List the cases."
        )

    def handle(
        self,
        *,
        seed: int | None,
        repeat: int,
        warmup: int,
        case_names: list[str] | None,
        output: Path | None,
        list_cases: bool,
        **options,
    ) -> None:
        if repeat < 1 or warmup < 0:
            raise CommandError("--repeat must be at least 1 and --warmup at least 0.")
        cases = registered_cases()
        if case_names:
            wanted = [name.lower() for name in case_names]
            cases = [
                case for case in cases if any(w in case.name.lower() for w in wanted)
            ]
            if not cases:
                raise CommandError("No case matches --case.")
        if list_cases:
            for case in cases:
                self.stdout.write(f"{case.name} ({case.login})")
            return

        if seed is not None:
            call_command("seed_demo", customers=seed, stdout=self.stdout)
        try:
            users = bench_users()
        except LookupError as error:
            raise CommandError(f"{error} Or pass --seed N.") from error
        results = cases_run(cases, users=users, warmup=warmup, repeat=repeat)
        text = report(results, warmup=warmup, repeat=repeat)
        self.stdout.write(text)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        failed = [result.name for result in results if result.failed]
        if failed:
            raise CommandError(f"Failed cases: {', '.join(failed)}.")
