"""Ticks racing on PostgreSQL, each thread with its own connection: every step
runs once (SELECT ... FOR UPDATE SKIP LOCKED)."""

import threading

import pytest
from django.db import connection, connections

from automation.models import Run, StepVisit
from automation.services import funnel_enrol, funnel_import, funnels_tick
from core.models import SentEmail
from customers.models import Customer
from tests.automation.conftest import credit, document
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one process at a time"
)
def test_racing_ticks_run_each_step_once():
    funnel = funnel_import(
        document=document(
            [credit("a", next="b"), credit("b", amount=2)],
            trigger="automation.manual",
        ),
        activate=True,
    )
    CustomerFactory.create_batch(120)
    funnel_enrol(funnel, Customer.objects.all())
    reports, errors = [], []
    barrier = threading.Barrier(4)

    def body():
        try:
            barrier.wait()
            reports.append(funnels_tick(batch=10))
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(report.done for report in reports) == 240
    assert sum(1 for report in reports if report.done) >= 2  # they shared the work
    assert SentEmail.objects.filter(template="test_credit").count() == 240
    assert StepVisit.objects.filter(state="done").count() == 240
    assert Run.objects.filter(state="completed").count() == 120
