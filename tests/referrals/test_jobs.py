"""The credit job: once per commission, catching up, on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from balance.models import Entry
from referrals.models import Commission
from referrals.services import commissions_credit_due
from referrals.tasks import referrals_run_task
from tests.customers.factories import CustomerFactory
from tests.referrals.support import D, pay, place, refer, rules, run
from tests.selling.factories import ProductFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.both_dbs]


def _commissions(count: int):
    rules(commission_percent=D("10.00"), refund_window_days=30)
    referrer = CustomerFactory()
    for _ in range(count):
        referred = CustomerFactory()
        refer(referred, referrer)
        pay(place(referred, (ProductFactory(price=D("10.00")), 1)))
    return referrer


def test_the_job_credits_due_commissions_once_and_catches_up():
    referrer = _commissions(3)
    assert Commission.objects.filter(status="pending").count() == 3
    out = run(days_after=29)
    assert "0 commissions credited" in out
    # Beat was down for weeks: the run after credits all that fell due meanwhile.
    out = run(days_after=90)
    assert "3 commissions credited, 3.00" in out
    assert "credited to" in out
    assert "0 commissions credited" in run(days_after=90)
    assert (
        Entry.objects.filter(customer=referrer, kind=Entry.Kind.REFERRAL).count() == 3
    )
    referrer.refresh_from_db()
    assert referrer.balance == D("3.00")
    assert not Commission.objects.exclude(status="available").exists()


def test_the_task_runs_as_today():
    _commissions(1)
    assert referrals_run_task() == 0
    Commission.objects.update(available_at=timezone.now() - timedelta(minutes=1))
    assert referrals_run_task() == 1
    assert referrals_run_task() == 0


def test_a_commission_whose_credit_went_in_earlier_is_not_posted_twice():
    referrer = _commissions(1)
    commission = Commission.objects.get()
    today = timezone.localdate() + timedelta(days=31)
    commissions_credit_due(today=today)
    # As if the row were left pending by a crash between two runs.
    Commission.objects.filter(pk=commission.pk).update(status="pending", entry=None)
    commissions_credit_due(today=today)
    assert Entry.objects.filter(customer=referrer).count() == 1
    commission.refresh_from_db()
    assert commission.status == "available"


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError):
        call_command("run_referrals", "--today", "31-12-2026")
