"""The benchmark's data builder (expirations.bench_cases), at a small size: the job
finds exactly the rows built as due today, and the page cases resolve."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bench.cases import registered_cases
from customers.models import CustomerAction
from expirations import bench_cases
from expirations.models import Expiration
from tests.customers.factories import CustomerFactory


@pytest.mark.django_db(transaction=True)
def test_bench_build_then_job_handles_exactly_the_due_rows():
    for _number in range(5):
        CustomerFactory()
    today = timezone.localdate()

    report = bench_cases.expirations_bench_build(
        total=400, due_today=20, actions=60, actions_due_today=4, today=today
    )
    timing = bench_cases.expirations_job_time(today)

    assert Expiration.objects.count() == 400
    assert report.due == 20
    assert report.actions == 60
    assert timing.reminders_sent + timing.expired == 20
    assert timing.expired == 5
    assert CustomerAction.objects.filter(due_date=today, done=False).count() == 4
    again = bench_cases.expirations_bench_build(
        total=400, due_today=20, actions=60, actions_due_today=4, today=today
    )
    assert again.background == 0
    assert Expiration.objects.count() == 400
    assert bench_cases.expirations_job_time(today).reminders_sent == 15


@pytest.mark.django_db
def test_bench_page_cases_are_registered_and_resolve():
    Expiration.objects.all().delete()
    cases = {case.name: case for case in registered_cases()}

    upcoming = cases["expirations: widget upcoming renewals"].resolve_url()
    todo = cases["expirations: widget to do today"].resolve_url()

    assert upcoming == "/staff/expirations/widgets/expirations_upcoming/"
    assert todo == "/staff/expirations/widgets/todo_today/"
    assert cases["expirations: card tab"].resolve_url() is None
