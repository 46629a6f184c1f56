"""The ``referrals.commissions`` source against figures worked out by hand.

Commissions (made at, Europe/Rome; range [Jan, Apr) 2026):

    C1  Ann  2026-01-10  10.00 on 100.00  available (credited)
    C2  Ann  2026-01-25   5.00 on  50.00  pending
    C3  Bob  2026-02-03   8.00 on  80.00  cancelled
    C4  Bob  2026-02-14  12.00 on 120.00  reversed
    C5  Ann  2026-02-20   3.00 on  30.00  pending
    C6  Bob  2025-12-31   7.00 on  70.00  available: before the range

    month  count amount   base  pending credited cancelled reversed
    Jan        2  15.00 150.00     5.00    10.00      0.00     0.00
    Feb        3  23.00 230.00     3.00     0.00      8.00    12.00
    Mar        0   0.00   0.00     0.00     0.00      0.00     0.00
    total      5  38.00 380.00     8.00    10.00      8.00    12.00
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from balance.models import Entry
from referrals.models import Commission, Referral
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.reports.support import (
    Past,
    command_csv,
    history_write,
    moment_set,
    rome,
    rows_by,
    source_compute,
    staff_with,
    totals_of,
)
from tests.selling.factories import OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

ALL = (
    "count,amount,base_amount,pending_amount,credited_amount,cancelled_amount,"
    "reversed_amount"
)
RANGE = {"date_from": "2026-01-01", "date_to": "2026-04-01"}
D = Decimal
S = Commission.Status


def commission(referrer, at, amount, base, status):
    referred = CustomerFactory()
    referral = Referral.objects.create(
        referred=referred, referrer=referrer, source=Referral.Source.LINK
    )
    entry = reversal = None
    if status in (S.AVAILABLE, S.REVERSED):
        history = [Past(rome(at) + timedelta(days=1), amount)]
        if status == S.REVERSED:
            history.append(
                Past(
                    rome(at) + timedelta(days=2),
                    f"-{amount}",
                    Entry.Kind.REVERSAL,
                    reverses=0,
                )
            )
        written = history_write(referrer, history)
        entry = written[0]
        reversal = written[1] if status == S.REVERSED else None
    made = Commission.objects.create(
        referral=referral,
        referrer=referrer,
        order=OrderFactory(customer=referred),
        amount=D(amount),
        base_amount=D(base),
        status=status,
        available_at=rome(at) + timedelta(days=14),
        entry=entry,
        reversal_entry=reversal,
    )
    moment_set(made, created_at=rome(at))
    return made


@pytest.fixture
def commissions():
    ann, bob = CustomerFactory(first_name="Ann"), CustomerFactory(first_name="Bob")
    # Oldest first: each referrer's ledger is written in time order.
    commission(bob, "2025-12-31 23:30", "7.00", "70.00", S.AVAILABLE)
    commission(ann, "2026-01-10 10:00", "10.00", "100.00", S.AVAILABLE)
    commission(ann, "2026-01-25 10:00", "5.00", "50.00", S.PENDING)
    commission(bob, "2026-02-03 10:00", "8.00", "80.00", S.CANCELLED)
    commission(bob, "2026-02-14 10:00", "12.00", "120.00", S.REVERSED)
    commission(ann, "2026-02-20 10:00", "3.00", "30.00", S.PENDING)
    return {"ann": ann, "bob": bob}


def compute(group_by, measures=ALL, user=None, **kwargs):
    return source_compute(
        "referrals.commissions", group_by, measures, user=user, **RANGE, **kwargs
    )


def test_commissions_every_measure_by_month(commissions):
    result = compute("month")

    zero = D("0.00")
    assert rows_by(result, "month", ALL) == {
        date(2026, 1, 1): (2, D("15.00"), D("150.00"), D("5.00"), D("10.00"))
        + (zero, zero),
        date(2026, 2, 1): (3, D("23.00"), D("230.00"), D("3.00"), zero)
        + (D("8.00"), D("12.00")),
        date(2026, 3, 1): (0, zero, zero, zero, zero, zero, zero),
    }
    assert totals_of(result, ALL) == (
        5,
        D("38.00"),
        D("380.00"),
        D("8.00"),
        D("10.00"),
        D("8.00"),
        D("12.00"),
    )


def test_commissions_per_referrer_and_by_state(commissions):
    by_referrer = compute("referrer", "count,amount,pending_amount")
    assert rows_by(by_referrer, "referrer", "count,amount,pending_amount") == {
        commissions["ann"].pk: (3, D("18.00"), D("8.00")),
        commissions["bob"].pk: (2, D("20.00"), D("0.00")),
    }
    assert {row.labels["referrer"] for row in by_referrer.rows} == {
        str(commissions["ann"]),
        str(commissions["bob"]),
    }
    assert rows_by(compute("status", "count,amount"), "status", "count,amount") == {
        "available": (1, D("10.00")),
        "pending": (2, D("8.00")),
        "cancelled": (1, D("8.00")),
        "reversed": (1, D("12.00")),
    }


def test_commissions_filters(commissions):
    pending = compute("month", "count,amount", filters=["status=pending"])
    assert totals_of(pending, "count,amount") == (2, D("8.00"))
    bob = compute("month", "amount", filters=[f"referrer={commissions['bob'].pk}"])
    assert totals_of(bob, "amount") == (D("20.00"),)


def test_commissions_need_the_commission_view_permission(commissions):
    with pytest.raises(PermissionDenied):
        compute("month", user=StaffFactory())
    viewer = staff_with("referrals.view_commission")
    assert totals_of(compute("month", user=viewer), "count") == (5,)


def test_commissions_through_the_report_command(commissions):
    lines = command_csv(
        "referrals.commissions",
        "--group-by",
        "quarter",
        "--measures",
        "count,amount,credited_amount",
        "--from",
        "2026-01-01",
        "--to",
        "2026-04-01",
    )
    assert lines == [
        ["quarter", "count", "amount", "credited_amount"],
        ["2026-01-01", "5", "38.00", "10.00"],
        ["total", "5", "38.00", "10.00"],
    ]
