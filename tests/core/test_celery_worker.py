"""E-mail delivery through a real Celery worker and a real Redis broker."""

import os
import time

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from config.celery import app as celery_app
from core import services
from core.models import SentEmail
from core.tasks import email_deliver_task

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_worker():
    import celery.contrib.testing.tasks  # noqa: F401 - registers celery.ping

    previous = {
        key: celery_app.conf[key]
        for key in (
            "broker_url",
            "task_always_eager",
            "broker_connection_retry_on_startup",
        )
    }
    celery_app.conf.update(
        broker_url=BROKER_URL,
        task_always_eager=False,
        broker_connection_retry_on_startup=False,
    )
    reset_connection_pools()
    with celery_app.connection_for_write() as connection:
        connection.default_channel.client.flushdb()
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        celery_app.conf.update(previous)
        reset_connection_pools()


def reset_connection_pools():
    """Forget connections made with another broker URL."""
    kombu.pools.reset()
    celery_app._after_fork()


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_email_is_delivered_by_a_worker_through_redis(redis_worker):
    sent = services.email_queue(
        event_key="worker-test:1",
        to="worker@example.com",
        template="password_reset",
        context={"name": "Wanda"},
        secret_context={"reset_url": "https://example.com/r/1/"},
        language="it",
    )
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker sent nothing"
    assert mail.outbox[0].subject == "Scegli una nuova password"
    assert wait_for(
        lambda: SentEmail.objects.get(pk=sent.pk).status == SentEmail.Status.SENT
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_sends_one_email(redis_worker):
    sent = SentEmail.objects.create(
        event_key="worker-test:2",
        to="twice@example.com",
        template="password_reset",
        context={"name": "Tom", "secret": {"reset_url": "https://example.com/r/2/"}},
        language="en",
    )
    email_deliver_task.delay(sent.pk)
    email_deliver_task.delay(sent.pk)
    assert wait_for(
        lambda: SentEmail.objects.get(pk=sent.pk).status == SentEmail.Status.SENT
    )
    time.sleep(1.0)  # give the second delivery time to run
    assert len(mail.outbox) == 1
