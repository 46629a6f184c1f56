"""The reports' shared fixture: the hand-computed ledger of
``test_balance_movements.py`` (its docstring shows the table)."""

import pytest

from balance.models import Entry
from tests.customers.factories import CustomerFactory
from tests.reports.support import Past, history_write, rome


@pytest.fixture
def ledger():
    ann = CustomerFactory(first_name="Ann", last_name="Alder")
    bob = CustomerFactory(first_name="Bob", last_name="Birch")
    history_write(
        ann,
        [
            Past(rome("2026-01-10 10:00"), "100.00"),
            Past(rome("2026-01-20 10:00"), "-30.00", Entry.Kind.MANUAL_DEBIT),
            Past(rome("2026-02-05 09:00"), "50.00", Entry.Kind.GIFT, "system"),
            Past(rome("2026-03-29 00:30"), "20.00", Entry.Kind.AUTOMATION, "system"),
        ],
    )
    history_write(
        bob,
        [
            Past(rome("2025-12-31 23:30"), "10.00"),
            Past(rome("2026-02-14 12:00"), "-5.50", Entry.Kind.CHECKOUT, "customer"),
            Past(rome("2026-02-14 13:00"), "40.00"),
            Past(rome("2026-02-20 10:00"), "-40.00", Entry.Kind.REVERSAL, reverses=2),
        ],
    )
    return ann, bob
