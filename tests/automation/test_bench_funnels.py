"""``manage.py bench_funnels`` at a tiny size: the real actions (credit, tag,
e-mail) run through the tick, the figures are printed, the correctness check
holds, and fails (exit status 1) when a customer misses their credit."""

import dataclasses
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from automation.management.commands.bench_funnels import Command
from automation.models import Funnel, Run, StepVisit
from balance.models import Entry
from bench.funnels import BENCH_DOMAIN, CREDIT_ACTION
from core import plugins
from core.models import SentEmail
from customers.models import Customer, Tag

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.both_dbs]


def bench(*args: str) -> str:
    out = StringIO()
    call_command("bench_funnels", "--customers=30", "--workers=1", *args, stdout=out)
    return out.getvalue()


def test_bench_funnels_prints_the_figures_and_passes_its_check():
    output = bench("--batch=7")
    assert "Correctness: OK" in output
    assert re.search(r"Enrolled 30 in [\d.]+ s \([\d,]+ rows/s\)", output)
    steps = re.search(r"Steps: ([\d,]+) in [\d.]+ s: ([\d,]+) steps/min", output)
    assert steps is not None and steps.group(1) == "120"  # 30 customers x 4 steps
    assert re.search(r"Worker 1: 120 steps in [\d.]+ s, peak RSS \d+ MB", output)
    assert re.search(r"Latency: .* done [\d.]+ s after it was due", output)
    bench_customers = Customer.objects.filter(email__endswith=BENCH_DOMAIN)
    # 30 enrolled and the one of the latency probe; credited once each.
    assert bench_customers.count() == 31
    assert set(bench_customers.values_list("balance", flat=True)) == {Decimal("1.00")}
    assert Entry.objects.filter(customer__in=bench_customers).count() == 31
    # Cleaned up: the funnel, its runs and e-mails and the tag are gone; the
    # customers and their credits stay (the ledger is append-only).
    assert not Funnel.objects.exists()
    assert not Run.objects.exists() and not StepVisit.objects.exists()
    assert not SentEmail.objects.filter(template="automation_email").exists()
    assert not Tag.objects.filter(name="bench_funnels").exists()


def test_bench_funnels_keep_and_again_reuses_the_customers():
    bench("--keep")
    funnel = Funnel.objects.get()
    assert Run.objects.filter(funnel=funnel, state=Run.State.EXITED).count() == 31
    assert SentEmail.objects.filter(template="automation_email").count() == 30
    output = bench()
    assert "Customers: 30 (0 made)" in output
    assert "Correctness: OK" in output


def test_bench_funnels_fails_when_a_credit_is_missing(monkeypatch):
    credit = plugins.automation_actions.get(CREDIT_ACTION)

    def skip(customer, params, *, idempotency_key, context):
        if customer.pk % 2:
            raise plugins.AutomationActionSkipped("Not today.")
        return credit.run(
            customer, params, idempotency_key=idempotency_key, context=context
        )

    monkeypatch.setitem(
        plugins.automation_actions._entries,
        CREDIT_ACTION,
        dataclasses.replace(credit, run=skip, run_many=None),
    )
    with pytest.raises(CommandError) as raised:
        bench()
    assert raised.value.returncode == 1


def test_bench_funnels_help_and_bad_options():
    parser = Command().create_parser("manage.py", "bench_funnels")
    assert "--customers" in parser.format_help()
    assert "--workers" in parser.format_help()
    with pytest.raises(CommandError, match="at least 1"):
        bench("--customers=0")
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="--workers 1"):
            call_command("bench_funnels", "--workers=2", stdout=StringIO())


def test_bench_funnels_enrol_only_measures_a_worker_over_the_backlog():
    output = bench("--enrol-only", "--batch=3", "--ticks=2")
    assert re.search(r"enrolled 30 in [\d.]+ s", output)
    # Two ticks of four batches of 3: 24 of the 30 due credits run.
    assert re.search(
        r"Backlog: 30 due steps; a worker ran 24 of them in 2 ticks", output
    )
    rss = re.search(r"Worker RSS: (\d+) MB at start, peak (\d+) MB", output)
    assert rss is not None and 0 < int(rss.group(1)) <= int(rss.group(2)) < 300
    assert re.search(r"A tick with nothing to run .*: [\d.]+ s", output)
    assert "Steps:" not in output  # not run to the end
    assert Entry.objects.count() == 24
    assert not Funnel.objects.exists() and not StepVisit.objects.exists()


def test_bench_funnels_refuses_a_bad_tick_count():
    with pytest.raises(CommandError, match="--ticks must be 1 to 100"):
        bench("--enrol-only", "--ticks=0")
