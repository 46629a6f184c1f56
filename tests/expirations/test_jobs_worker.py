"""The daily job's task and its batched e-mails through a real worker and Redis.

Run with ``CELERY_TEST_BROKER_URL=redis://127.0.0.1:6379/<db>``.
"""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.models import SentEmail
from expirations.models import ExpirationEvent
from expirations.tasks import expirations_run_task
from tests.core.test_celery_worker import redis_worker, wait_for  # noqa: F401
from tests.expirations.factories import ExpirationFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_daily_task_runs_on_a_worker_and_emails_leave_once(redis_worker):  # noqa: F811
    today = timezone.localdate()
    soon = ExpirationFactory(expiry_date=today + timedelta(days=7))
    gone = ExpirationFactory(expiry_date=today - timedelta(days=1))

    expirations_run_task.delay()
    assert wait_for(lambda: len(mail.outbox) == 2), "the worker sent nothing"
    # Again: the solo worker runs it after the first; it finds nothing to send.
    expirations_run_task.delay()
    time.sleep(2)
    assert len(mail.outbox) == 2
    assert wait_for(
        lambda: set(SentEmail.objects.values_list("status", flat=True)) == {"sent"}
    )
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [soon.customer.email, gone.customer.email]
    )
    subjects = sorted(message.subject for message in mail.outbox)
    assert any("expires in 7 days" in subject for subject in subjects)
    assert any("has expired" in subject for subject in subjects)
    assert ExpirationEvent.objects.filter(kind="reminder_sent").count() == 1
    assert ExpirationEvent.objects.filter(kind="expired").count() == 1
