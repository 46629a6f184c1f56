"""A real Celery worker (a separate process, Redis broker) killed with SIGKILL in
the middle of a funnel batch, then a new worker: every enrolled customer gets
exactly one credit and one e-mail.

The batch in flight when the worker dies is one PostgreSQL transaction (see
``automation.services.tick``): it rolls back with the dead connection, its
credits and e-mails with it, and the next worker claims the same visits again.

Run with ``CELERY_TEST_BROKER_URL=redis://127.0.0.1:6379/<db>`` on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection

from automation.definition import MANUAL_TRIGGER
from automation.models import Run, StepVisit
from automation.services import funnel_enrol, funnel_import
from automation.tasks import funnels_tick_task
from balance.models import Entry
from config.celery import app as celery_app
from core.models import SentEmail
from customers.models import Customer
from tests.automation.conftest import document
from tests.automation.invariants import assert_engine_consistent
from tests.customers.factories import CustomerFactory

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "")
CUSTOMERS = 300
STEPS = 2 * CUSTOMERS

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not BROKER_URL, reason="needs Redis: set CELERY_TEST_BROKER_URL=redis://..."
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a worker process shares the test database only on PostgreSQL",
    ),
]


def win_back():
    return funnel_import(
        document=document(
            [
                {
                    "key": "credit",
                    "kind": "action",
                    "action": "balance.assign_credits",
                    "params": {"amount": "5.00", "note": "Welcome back {first_name}"},
                    "next": "mail",
                },
                {
                    "key": "mail",
                    "kind": "action",
                    "action": "automation.send_email",
                    "params": {
                        "subject": "A gift for you, {first_name}",
                        "body": "<p>We credited your account.</p>",
                    },
                },
            ],
            trigger=MANUAL_TRIGGER,
            name="Win-back",
        ),
        activate=True,
    )


@pytest.fixture
def broker():
    """The test process sends tasks to the Redis broker (not eagerly)."""
    previous = {
        key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")
    }
    celery_app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    _reset_connection_pools()
    with celery_app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
    try:
        yield
    finally:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()
        celery_app.conf.update(previous)
        _reset_connection_pools()


def _reset_connection_pools():
    kombu.pools.reset()
    celery_app._after_fork()


class Workers:
    """Worker processes on the test database, each in its own session so that
    a signal reaches that worker only."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.outbox = tmp_path / "outbox"
        self.outbox.mkdir()
        self.processes: list[subprocess.Popen] = []

    def environment(self) -> dict[str, str]:
        url = urlsplit(os.environ["DATABASE_URL"])
        database = connection.settings_dict["NAME"]  # the test database
        return {
            **os.environ,
            "DATABASE_URL": urlunsplit(url._replace(path=f"/{database}")),
            "CELERY_BROKER_URL": BROKER_URL,
            # Each delivered e-mail lands in a file: what really left, counted.
            "EMAIL_URL": f"filemail:///{self.outbox}",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, name: str) -> subprocess.Popen:
        log = (self.tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # a warm shutdown
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def delivered(self) -> Counter[str]:
        """The recipients of the e-mails the workers delivered."""
        recipients: Counter[str] = Counter()
        for path in self.outbox.iterdir():
            for line in path.read_text().splitlines():
                if line.startswith("To: "):
                    recipients[line.removeprefix("To: ").strip()] += 1
        return recipients


@pytest.fixture
def workers(tmp_path, broker):
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def processed() -> int:
    return StepVisit.objects.exclude(state=StepVisit.State.SCHEDULED).count()


def worker_in_transaction() -> bool:
    """Whether another session on the test database (the worker) is inside a
    transaction that has written something: a batch half done."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        return cursor.fetchone()[0] > 0


def wait_for(condition, *, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def test_worker_killed_mid_batch_then_restarted_credits_and_emails_once(workers):
    funnel = win_back()
    CustomerFactory.create_batch(CUSTOMERS, newsletter_subscribed=True)
    assert funnel_enrol(funnel, Customer.objects.all()) == CUSTOMERS

    first = workers.start("first")
    funnels_tick_task.delay()
    # Some steps committed, and the worker is inside the next batch's transaction.
    assert wait_for(
        lambda: 0 < processed() < STEPS and worker_in_transaction(), timeout=120
    ), workers.log("first")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    # PostgreSQL drops the dead worker's session and rolls its batch back.
    assert wait_for(lambda: not worker_in_transaction(), timeout=30, interval=0.1)

    halfway = processed()
    assert 0 < halfway < STEPS, "the kill came too late to interrupt anything"
    # What the dead worker committed is whole: each step done with its effect.
    assert_engine_consistent(credit_steps={"credit"}, email_steps={"mail"})

    workers.start("second")
    # The next minute's tick from beat, and another (as if the killed task were
    # delivered again): the second finds nothing left to do.
    funnels_tick_task.delay()
    funnels_tick_task.delay()
    assert wait_for(
        lambda: Run.objects.filter(state=Run.State.COMPLETED).count() == CUSTOMERS,
        timeout=180,
        interval=0.2,
    ), workers.log("second")
    assert wait_for(
        lambda: (
            SentEmail.objects.filter(status=SentEmail.Status.SENT).count() == CUSTOMERS
        ),
        timeout=120,
        interval=0.2,
    ), workers.log("second")
    workers.stop_all()  # and let the second tick task finish first

    customers = list(Customer.objects.all())
    assert StepVisit.objects.filter(state=StepVisit.State.DONE).count() == STEPS
    entries = Counter(Entry.objects.values_list("customer_id", flat=True))
    assert entries == Counter({customer.pk: 1 for customer in customers})
    assert set(Entry.objects.values_list("amount", flat=True)) == {Decimal("5.00")}
    assert all(customer.balance == Decimal("5.00") for customer in customers)
    emails = Counter(SentEmail.objects.values_list("to", flat=True))
    assert emails == Counter({customer.email: 1 for customer in customers})
    assert workers.delivered() == emails
    assert_engine_consistent(credit_steps={"credit"}, email_steps={"mail"})
