from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench.cases import register, registered_cases, unregister
from bench.runner import percentile

pytestmark = pytest.mark.django_db

STANDARD_CASES = (
    "staff dashboard",
    "customer list",
    "customer list: search e-mail prefix",
    "customer list: filter city",
    "customer list: sort by name",
    "customer card",
    "customer area home",
)


def bench(*args: str) -> str:
    output = StringIO()
    call_command("bench", *args, stdout=output)
    return output.getvalue()


def test_bench_prints_a_table_of_every_case(tmp_path):
    report_path = tmp_path / "bench.md"

    output = bench(
        "--seed", "30", "--repeat", "2", "--warmup", "1", "--output", str(report_path)
    )

    assert "| case | median ms | p95 ms | queries |" in output
    for name in STANDARD_CASES:
        assert f"| {name} | " in output
    assert "failed" not in output
    assert report_path.read_text() in output


def test_bench_runs_a_case_that_an_app_registers():
    register("test: login page", "/account/login/", login="anonymous")
    try:
        output = bench("--seed", "3", "--repeat", "1", "--case", "test: login")
    finally:
        unregister("test: login page")

    assert "| test: login page | " in output
    assert "| customer list |" not in output


def test_bench_fails_on_a_page_that_does_not_answer_200():
    register("test: missing page", "/staff/no-such-page/")
    try:
        with pytest.raises(CommandError, match="test: missing page"):
            bench("--seed", "3", "--repeat", "1", "--case", "test: missing")
    finally:
        unregister("test: missing page")


def test_bench_needs_the_demo_logins():
    with pytest.raises(CommandError, match="seed_demo"):
        bench("--repeat", "1")


def test_bench_cases_are_registered_once_by_name():
    names = [case.name for case in registered_cases()]

    assert len(names) == len(set(names))
    with pytest.raises(ValueError, match="registered twice"):
        register("customer list", "/elsewhere/")


def test_percentile_is_the_nearest_rank():
    values = [float(value) for value in range(1, 21)]

    assert percentile(values, 95) == 19.0
    assert percentile(values, 50) == 10.0
    assert percentile([7.0], 95) == 7.0
