"""The ``withdrawals`` source against figures worked out by hand.

Requests (Europe/Rome; range [Jan, Apr) 2026), by when they were requested:

    W1  Ann  2026-01-05 10:00  100.00  paid 2026-01-08 10:00 (3 days)
    W2  Bob  2026-01-20 10:00   40.00  rejected
    W3  Ann  2026-02-03 09:00   60.00  paid 2026-02-04 21:00 (1.5 days)
    W4  Bob  2026-02-10 12:00   25.00  approved, not paid yet
    W5  Cid  2026-02-20 12:00   10.00  pending
    W6  Cid  2026-02-21 12:00    5.00  cancelled
    W7  Cid  2025-12-31 23:30   70.00  paid: before the range

    month  requested      approved      paid          rejected     days  to pay
    Jan    2   140.00     1   100.00    1   100.00    1   40.00    3.00    3.00
    Feb    4   100.00     2    85.00    1    60.00    0    0.00    1.50    1.50
    Mar    0     0.00     0     0.00    0     0.00    0    0.00    0.00       -
    total  6   240.00     3   185.00    2   160.00    1   40.00    4.50    2.25
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from balance.models import Withdrawal
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.reports.support import (
    command_csv,
    moment_set,
    rome,
    rows_by,
    source_compute,
    staff_with,
    totals_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

ALL = (
    "requested,requested_amount,approved,approved_amount,paid,paid_amount,"
    "rejected,rejected_amount,paid_days,days_to_pay"
)
RANGE = {"date_from": "2026-01-01", "date_to": "2026-04-01"}
D = Decimal
S = Withdrawal.Status


def withdrawal(customer, at, amount, status, paid=None):
    row = Withdrawal.objects.create(customer=customer, amount=D(amount), status=status)
    moment_set(row, created_at=rome(at), paid_at=rome(paid) if paid else None)
    return row


@pytest.fixture
def payouts():
    ann, bob, cid = CustomerFactory(), CustomerFactory(), CustomerFactory()
    withdrawal(ann, "2026-01-05 10:00", "100.00", S.PAID, "2026-01-08 10:00")
    withdrawal(bob, "2026-01-20 10:00", "40.00", S.REJECTED)
    withdrawal(ann, "2026-02-03 09:00", "60.00", S.PAID, "2026-02-04 21:00")
    withdrawal(bob, "2026-02-10 12:00", "25.00", S.APPROVED)
    withdrawal(cid, "2026-02-20 12:00", "10.00", S.PENDING)
    withdrawal(cid, "2026-02-21 12:00", "5.00", S.CANCELLED)
    withdrawal(cid, "2025-12-31 23:30", "70.00", S.PAID, "2026-01-02 10:00")
    return {"ann": ann, "bob": bob, "cid": cid}


def compute(group_by, measures=ALL, user=None, **kwargs):
    return source_compute(
        "withdrawals", group_by, measures, user=user, **RANGE, **kwargs
    )


def test_withdrawals_every_measure_by_month(payouts):
    result = compute("month")

    assert rows_by(result, "month", ALL) == {
        date(2026, 1, 1): (2, D("140.00"), 1, D("100.00"), 1, D("100.00"))
        + (1, D("40.00"), D("3.00"), D("3.00")),
        date(2026, 2, 1): (4, D("100.00"), 2, D("85.00"), 1, D("60.00"))
        + (0, D("0.00"), D("1.50"), D("1.50")),
        date(2026, 3, 1): (0, D("0.00"), 0, D("0.00"), 0, D("0.00"))
        + (0, D("0.00"), D("0.00"), None),
    }
    assert totals_of(result, ALL) == (
        6,
        D("240.00"),
        3,
        D("185.00"),
        2,
        D("160.00"),
        1,
        D("40.00"),
        D("4.50"),
        D("2.25"),
    )


def test_withdrawals_by_status_and_customer(payouts):
    by_status = compute("status", "requested,requested_amount")
    assert rows_by(by_status, "status", "requested,requested_amount") == {
        "paid": (2, D("160.00")),
        "rejected": (1, D("40.00")),
        "approved": (1, D("25.00")),
        "pending": (1, D("10.00")),
        "cancelled": (1, D("5.00")),
    }
    by_customer = compute("customer", "paid_amount,days_to_pay")
    assert rows_by(by_customer, "customer", "paid_amount,days_to_pay") == {
        payouts["ann"].pk: (D("160.00"), D("2.25")),
        payouts["bob"].pk: (D("0.00"), None),
        payouts["cid"].pk: (D("0.00"), None),
    }


def test_withdrawals_filters(payouts):
    pending = compute("month", "requested_amount", filters=["status=pending"])
    assert totals_of(pending, "requested_amount") == (D("10.00"),)
    bob = compute("month", "requested", filters=[f"customer={payouts['bob'].pk}"])
    assert totals_of(bob, "requested") == (2,)


def test_withdrawals_need_the_withdrawal_view_permission(payouts):
    with pytest.raises(PermissionDenied):
        compute("month", user=StaffFactory())
    viewer = staff_with("balance.view_withdrawal")
    assert totals_of(compute("month", user=viewer), "requested") == (6,)


def test_withdrawals_through_the_report_command(payouts):
    lines = command_csv(
        "withdrawals",
        "--group-by",
        "month",
        "--measures",
        "requested_amount,paid_amount,days_to_pay",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-01",
    )
    assert lines == [
        ["month", "requested_amount", "paid_amount", "days_to_pay"],
        ["2026-01-01", "140.00", "100.00", "3.00"],
        ["2026-02-01", "100.00", "60.00", "1.50"],
        ["total", "240.00", "160.00", "2.25"],
    ]
