"""Several credit runs at once (beat and a shell), each thread its own connection:
each commission is credited, e-mailed and announced once (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from balance.models import Entry
from core.models import SentEmail
from referrals.models import Commission
from referrals.services import commissions_credit_due
from tests.customers.factories import CustomerFactory
from tests.referrals.support import D, pay, place, refer
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one process at a time"
)
def test_concurrent_runs_credit_each_commission_once():
    referrers = [CustomerFactory() for _ in range(2)]
    for index in range(6):
        referred = CustomerFactory()
        refer(referred, referrers[index % 2])
        pay(place(referred, (ProductFactory(price=D("10.00")), 1)))
    today = timezone.localdate() + timedelta(days=31)
    reports, errors = [], []
    barrier = threading.Barrier(4)

    def body():
        try:
            barrier.wait()
            reports.append(commissions_credit_due(today=today))
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
    assert sum(len(report.credited) for report in reports) == 6
    assert Entry.objects.filter(kind=Entry.Kind.REFERRAL).count() == 6
    assert not Commission.objects.exclude(status="available").exists()
    assert (
        SentEmail.objects.filter(template="referral_commission_available").count() == 6
    )
    for referrer in referrers:
        referrer.refresh_from_db()
        assert referrer.balance == D("3.00")
