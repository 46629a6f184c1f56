"""The ``orders`` source (paid orders) against figures worked out by hand.

Products: Support (S) 30.00, Hosting (H) 20.00. Orders, paid at (Europe/Rome):

    O1  Ann  2026-01-10 10:00  S×1            30.00  balance  6.00  paid
    O2  Bob  2026-01-25 10:00  S×1 + H×2      70.00  balance 10.00  paid
    O3  Ann  2026-02-14 12:00  H×1            20.00  balance  0.00  refunded
    O4  pending, O5 cancelled (never paid), O6 paid 2025-12-31 23:30: left out

O2's balance part is shared out by line: S 30/70 × 10 = 4.2857…, H 40/70 × 10 =
5.7142… (4.29 + 5.71 = 10.00).

    month  orders qty revenue average balance other refunded refunds
    Jan         2   4  100.00   50.00   16.00 84.00        0    0.00
    Feb         1   1   20.00   20.00    0.00 20.00        1   20.00
    Mar         0   0    0.00       -    0.00  0.00        0    0.00
    total       3   5  120.00   40.00   16.00 104.00       1   20.00

    product  orders qty revenue average balance  other refunded refunds
    S             2   2   60.00   30.00   10.29  49.71        0    0.00
    H             2   3   60.00   30.00    5.71  54.29        1   20.00
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from selling.models import Order
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
from tests.selling.factories import OrderFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

ALL = "orders,quantity,revenue,average,balance,other_means,refunded,refunds"
RANGE = {"date_from": "2026-01-01", "date_to": "2026-04-01"}
D = Decimal


def order(customer, lines, status, paid_at=None, balance="0.00"):
    placed = OrderFactory(
        customer=customer, lines=lines, status=status, balance_discount=D(balance)
    )
    if paid_at is not None:
        moment_set(placed, paid_at=rome(paid_at))
    return placed


@pytest.fixture
def shop():
    support = ProductFactory(name="Support", price=D("30.00"))
    hosting = ProductFactory(name="Hosting", price=D("20.00"))
    ann, bob = CustomerFactory(first_name="Ann"), CustomerFactory(first_name="Bob")
    paid, refunded = Order.Status.PAID, Order.Status.REFUNDED
    order(ann, [(support, 1)], paid, "2026-01-10 10:00", balance="6.00")
    order(bob, [(support, 1), (hosting, 2)], paid, "2026-01-25 10:00", "10.00")
    order(ann, [(hosting, 1)], refunded, "2026-02-14 12:00")
    order(ann, [(support, 1)], Order.Status.PENDING)
    order(bob, [(support, 1)], Order.Status.CANCELLED)
    order(bob, [(hosting, 1)], paid, "2025-12-31 23:30")
    return {"support": support, "hosting": hosting, "ann": ann, "bob": bob}


def compute(group_by, measures=ALL, user=None, **kwargs):
    return source_compute("orders", group_by, measures, user=user, **RANGE, **kwargs)


def test_orders_every_measure_by_month_matches_the_hand_computed_figures(shop):
    result = compute("month")

    assert rows_by(result, "month", ALL) == {
        date(2026, 1, 1): (2, 4, D("100.00"), D("50.00"), D("16.00"), D("84.00"), 0)
        + (D("0.00"),),
        date(2026, 2, 1): (1, 1, D("20.00"), D("20.00"), D("0.00"), D("20.00"), 1)
        + (D("20.00"),),
        date(2026, 3, 1): (0, 0, D("0.00"), None, D("0.00"), D("0.00"), 0)
        + (D("0.00"),),
    }
    assert totals_of(result, ALL) == (
        3,
        5,
        D("120.00"),
        D("40.00"),
        D("16.00"),
        D("104.00"),
        1,
        D("20.00"),
    )


def test_orders_by_product_share_the_balance_part_by_line(shop):
    result = compute("product")

    assert rows_by(result, "product", ALL) == {
        shop["support"].pk: (2, 2, D("60.00"), D("30.00"), D("10.29"), D("49.71"), 0)
        + (D("0.00"),),
        shop["hosting"].pk: (2, 3, D("60.00"), D("30.00"), D("5.71"), D("54.29"), 1)
        + (D("20.00"),),
    }
    assert {row.labels["product"] for row in result.rows} == {"Support", "Hosting"}
    assert totals_of(result, "revenue,balance") == (D("120.00"), D("16.00"))


def test_orders_by_status_customer_and_payment_method(shop):
    assert rows_by(compute("status"), "status", "orders,revenue") == {
        "paid": (2, D("100.00")),
        "refunded": (1, D("20.00")),
    }
    assert rows_by(compute("customer"), "customer", "orders,revenue") == {
        shop["ann"].pk: (2, D("50.00")),
        shop["bob"].pk: (1, D("70.00")),
    }
    assert rows_by(compute("payment_method"), "payment_method", "orders") == {
        "bank_transfer": (3,)
    }


def test_orders_filters(shop):
    refunded = compute("month", filters=["status=refunded"])
    assert totals_of(refunded, "orders,revenue") == (1, D("20.00"))
    hosting = compute("month", filters=[f"product={shop['hosting'].pk}"])
    assert totals_of(hosting, "orders,quantity,revenue") == (2, 3, D("60.00"))


def test_orders_need_the_order_view_permission(shop):
    with pytest.raises(PermissionDenied):
        compute("month", user=StaffFactory())
    viewer = staff_with("selling.view_order")
    assert totals_of(compute("month", user=viewer), "orders") == (3,)


def test_orders_through_the_report_command(shop):
    lines = command_csv(
        "orders",
        "--group-by",
        "month",
        "--measures",
        "orders,revenue,balance,refunds",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-01",
    )
    assert lines == [
        ["month", "orders", "revenue", "balance", "refunds"],
        ["2026-01-01", "2", "100.00", "16.00", "0.00"],
        ["2026-02-01", "1", "20.00", "0.00", "20.00"],
        ["total", "3", "120.00", "16.00", "20.00"],
    ]


def test_orders_query_count_is_the_same_whatever_the_size(
    shop, django_assert_max_num_queries
):
    # The grouped rows and the products' names.
    with django_assert_max_num_queries(2):
        compute("month,product")
    for index in range(6):
        order(
            CustomerFactory(),
            [(ProductFactory(), 1)],
            Order.Status.PAID,
            f"2026-0{1 + index % 3}-1{index} 10:00",
        )
    with django_assert_max_num_queries(2):
        result = compute("month,product")
    assert len(result.rows) == 3 * 8
