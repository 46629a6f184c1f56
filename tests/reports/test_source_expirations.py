"""The ``expirations`` source against figures worked out by hand.

Today is 2026-03-15 (``source.today``), "expiring soon" within 30 days (the
default quick-renew window). Expiry range [2026-01-01, 2026-08-01):

    E1  Ann  Support   P1  start 2025-01-10  expiry 2026-01-10  100.00  expired
    E2  Bob  Support   P2  start 2025-04-01  expiry 2026-04-01   50.00  expiring soon
    E3  Ann  Hosting   P1  start 2026-02-01  expiry 2026-05-20   80.00  renewed
    E4  Cid  (item)    -   start 2025-06-01  expiry 2026-06-30   30.00  cancelled
    E5  Dee  Hosting   -   start 2025-07-01  expiry 2026-07-31   20.00  active
    E6  expiry 2025-12-31: before the range

    month  count  amount  active active_amount  ended ended_amount
    Jan        1  100.00       0          0.00      1       100.00
    Feb        0    0.00       0          0.00      0         0.00
    Mar        0    0.00       0          0.00      0         0.00
    Apr        1   50.00       1         50.00      0         0.00
    May        1   80.00       1         80.00      0         0.00
    Jun        1   30.00       0          0.00      1        30.00
    Jul        1   20.00       1         20.00      0         0.00
    total      5  280.00       3        150.00      2       130.00
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.formats import date_format

from expirations.reports import source
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import ExpirationFactory, ProvenanceFactory
from tests.reports.support import (
    command_csv,
    rows_by,
    source_compute,
    staff_with,
    totals_of,
)
from tests.selling.factories import ServiceProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

ALL = "count,amount,active,active_amount,ended,ended_amount"
RANGE = {"date_from": "2026-01-01", "date_to": "2026-08-01"}
D = Decimal


def expiration(customer, product, provenance, start, expiry, amount, **kwargs):
    return ExpirationFactory(
        customer=customer,
        product=product,
        provenance=provenance,
        start_date=date.fromisoformat(start),
        expiry_date=date.fromisoformat(expiry),
        amount=D(amount),
        **kwargs,
    )


@pytest.fixture
def services(monkeypatch):
    monkeypatch.setattr(source, "today", lambda: date(2026, 3, 15))
    support = ServiceProductFactory(name="Support")
    hosting = ServiceProductFactory(name="Hosting")
    p1, p2 = ProvenanceFactory(name="Reseller"), ProvenanceFactory(name="Fair")
    ann, bob = CustomerFactory(), CustomerFactory()
    cid, dee = CustomerFactory(), CustomerFactory()
    expiration(ann, support, p1, "2025-01-10", "2026-01-10", "100.00")
    expiration(bob, support, p2, "2025-04-01", "2026-04-01", "50.00")
    expiration(ann, hosting, p1, "2026-02-01", "2026-05-20", "80.00", renewal_count=1)
    expiration(cid, None, None, "2025-06-01", "2026-06-30", "30.00", is_cancelled=True)
    expiration(dee, hosting, None, "2025-07-01", "2026-07-31", "20.00")
    expiration(dee, hosting, None, "2025-01-01", "2025-12-31", "999.00")
    return {"support": support, "hosting": hosting, "p1": p1, "p2": p2}


def compute(group_by, measures=ALL, user=None, **kwargs):
    kwargs = {**RANGE, **kwargs}
    return source_compute("expirations", group_by, measures, user=user, **kwargs)


def test_expirations_every_measure_by_expiry_month(services):
    result = compute("month")

    zero = (0, D("0.00"), 0, D("0.00"), 0, D("0.00"))
    assert rows_by(result, "month", ALL) == {
        date(2026, 1, 1): (1, D("100.00"), 0, D("0.00"), 1, D("100.00")),
        date(2026, 2, 1): zero,
        date(2026, 3, 1): zero,
        date(2026, 4, 1): (1, D("50.00"), 1, D("50.00"), 0, D("0.00")),
        date(2026, 5, 1): (1, D("80.00"), 1, D("80.00"), 0, D("0.00")),
        date(2026, 6, 1): (1, D("30.00"), 0, D("0.00"), 1, D("30.00")),
        date(2026, 7, 1): (1, D("20.00"), 1, D("20.00"), 0, D("0.00")),
    }
    assert totals_of(result, ALL) == (5, D("280.00"), 3, D("150.00"), 2, D("130.00"))


def test_expirations_what_expires_per_month_ahead(services):
    result = compute("month", "count,amount", date_from="2026-03-15")

    assert rows_by(result, "month", "count,amount") == {
        date(2026, 3, 1): (0, D("0.00")),
        date(2026, 4, 1): (1, D("50.00")),
        date(2026, 5, 1): (1, D("80.00")),
        date(2026, 6, 1): (1, D("30.00")),
        date(2026, 7, 1): (1, D("20.00")),
    }


def test_expirations_by_state_product_and_provenance(services):
    by_state = compute("state", "count,amount")
    assert rows_by(by_state, "state", "count,amount") == {
        "expired": (1, D("100.00")),
        "expiring_soon": (1, D("50.00")),
        "renewed": (1, D("80.00")),
        "cancelled": (1, D("30.00")),
        "active": (1, D("20.00")),
    }
    assert "Expiring soon" in {row.labels["state"] for row in by_state.rows}
    by_product = compute("product", "count,amount")
    assert rows_by(by_product, "product", "count,amount") == {
        services["support"].pk: (2, D("150.00")),
        services["hosting"].pk: (2, D("100.00")),
        None: (1, D("30.00")),
    }
    assert {row.labels["product"] for row in by_product.rows} == {
        "Support",
        "Hosting",
        "(none)",
    }
    assert rows_by(compute("provenance", "count,amount"), "provenance", "count") == {
        services["p1"].pk: (2,),
        services["p2"].pk: (1,),
        None: (2,),
    }


def test_expirations_start_range_and_state_filters(services):
    later = compute("month", "count,amount", filters=["start_from=2025-06-01"])
    assert totals_of(later, "count,amount") == (3, D("130.00"))
    day = date_format(date(2025, 6, 1), "SHORT_DATE_FORMAT")
    assert later.notes == [f"Started on {day} or later."]
    earlier = compute("month", "count,amount", filters=["start_to=2025-06-01"])
    assert totals_of(earlier, "count,amount") == (2, D("150.00"))
    live = compute("month", "count", filters=["state=active,renewed,expiring_soon"])
    assert totals_of(live, "count") == (3,)


def test_expirations_need_the_expiration_view_permission(services):
    with pytest.raises(PermissionDenied):
        compute("month", user=StaffFactory())
    viewer = staff_with("expirations.view_expiration")
    assert totals_of(compute("month", user=viewer), "count") == (5,)


def test_expirations_through_the_report_command(services):
    lines = command_csv(
        "expirations",
        "--group-by",
        "quarter",
        "--measures",
        "count,active_amount,ended_amount",
        "--from",
        "2026-01-01",
        "--to",
        "2026-07-01",
    )
    assert lines == [
        ["quarter", "count", "active_amount", "ended_amount"],
        ["2026-01-01", "1", "0.00", "100.00"],
        ["2026-04-01", "3", "130.00", "30.00"],
        ["total", "4", "130.00", "130.00"],
    ]
