"""Several daily-job runs at once (beat and a shell), each thread its own connection:
each reminder and each expiry is still recorded and e-mailed once."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connections

from core.models import SentEmail
from expirations.models import ExpirationEvent
from expirations.services.jobs import expirations_run_due
from expirations.signals import expiration_expired
from tests.expirations.factories import ExpirationFactory

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 6, 23)


def test_concurrent_runs_send_each_reminder_and_expiry_once():
    # Reminders: 30 (twice: 30 and 12 days left), 7 (twice), 1, -3; expiries: 3.
    for days_left in (30, 7, 7, 1, -3, -1, -1, 12):
        ExpirationFactory(expiry_date=TODAY + timedelta(days=days_left))
    signals = []

    def receiver(sender, expiration, **kwargs):
        signals.append(expiration.pk)

    expiration_expired.connect(receiver, dispatch_uid="concurrency-test")
    reports, errors = [], []
    barrier = threading.Barrier(6)

    def body():
        try:
            barrier.wait()
            reports.append(expirations_run_due(TODAY))
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body) for _ in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        expiration_expired.disconnect(dispatch_uid="concurrency-test")

    assert errors == []
    assert sum(report.reminders_sent for report in reports) == 6
    assert sum(report.expired for report in reports) == 3
    assert len(signals) == 3 and len(set(signals)) == 3
    assert ExpirationEvent.objects.filter(kind="reminder_sent").count() == 6
    assert SentEmail.objects.filter(template="expirations_reminder").count() == 6
    assert SentEmail.objects.filter(template="expirations_expired").count() == 3
