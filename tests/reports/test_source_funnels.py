"""The ``automation.funnels`` source against figures worked out by hand.

Runs (entered at, Europe/Rome; range [Jan, Apr) 2026), by when they entered:

    Welcome  2026-01-05  completed  converted
    Welcome  2026-01-09  completed  -
    Welcome  2026-01-20  exited     converted
    Welcome  2026-02-02  active     -
    Winback  2026-02-10  completed  converted
    Winback  2026-02-11  cancelled  -
    Winback  2026-02-12  completed  (a test run: left out)
    Welcome  2025-12-31  completed  (before the range)

    month   entered completed converted conversion
    Jan           3         2         2      66.67
    Feb           3         1         1      33.33
    Mar           0         0         0          -
    total         6         3         3      50.00
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from automation.models import Funnel, FunnelVersion, Run
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.reports.support import (
    command_csv,
    rome,
    rows_by,
    source_compute,
    staff_with,
    totals_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

ALL = "entered,completed,converted,conversion"
RANGE = {"date_from": "2026-01-01", "date_to": "2026-04-01"}
D = Decimal
S = Run.State


def funnel(name):
    made = Funnel.objects.create(name=name, status=Funnel.Status.ACTIVE)
    version = FunnelVersion.objects.create(
        funnel=made, number=1, definition={}, published_at=rome("2025-12-01 10:00")
    )
    return made, version


def run(funnel_version, at, state, converted=False, is_test=False):
    made, version = funnel_version
    return Run.objects.create(
        funnel=made,
        version=version,
        customer=CustomerFactory(),
        entry_key=f"test:{at}",
        state=state,
        is_test=is_test,
        entered_at=rome(at),
        ended_at=None if state == S.ACTIVE else rome(at),
        converted_at=rome(at) if converted else None,
    )


@pytest.fixture
def funnels():
    welcome, winback = funnel("Welcome"), funnel("Winback")
    run(welcome, "2026-01-05 10:00", S.COMPLETED, converted=True)
    run(welcome, "2026-01-09 10:00", S.COMPLETED)
    run(welcome, "2026-01-20 10:00", S.EXITED, converted=True)
    run(welcome, "2026-02-02 10:00", S.ACTIVE)
    run(winback, "2026-02-10 10:00", S.COMPLETED, converted=True)
    run(winback, "2026-02-11 10:00", S.CANCELLED)
    run(winback, "2026-02-12 10:00", S.COMPLETED, is_test=True)
    run(welcome, "2025-12-31 23:30", S.COMPLETED)
    return {"welcome": welcome[0], "winback": winback[0]}


def compute(group_by, measures=ALL, user=None, **kwargs):
    return source_compute(
        "automation.funnels", group_by, measures, user=user, **RANGE, **kwargs
    )


def test_funnels_every_measure_by_month(funnels):
    result = compute("month")

    assert rows_by(result, "month", ALL) == {
        date(2026, 1, 1): (3, 2, 2, D("66.67")),
        date(2026, 2, 1): (3, 1, 1, D("33.33")),
        date(2026, 3, 1): (0, 0, 0, None),
    }
    assert totals_of(result, ALL) == (6, 3, 3, D("50.00"))


def test_funnels_per_funnel_and_period(funnels):
    result = compute("month,funnel")

    cells = {
        (row.values["month"], row.values["funnel"]): tuple(
            row.values[key] for key in ALL.split(",")
        )
        for row in result.rows
    }
    welcome, winback = funnels["welcome"].pk, funnels["winback"].pk
    assert cells[(date(2026, 1, 1), welcome)] == (3, 2, 2, D("66.67"))
    assert cells[(date(2026, 2, 1), welcome)] == (1, 0, 0, D("0.00"))
    assert cells[(date(2026, 2, 1), winback)] == (2, 1, 1, D("50.00"))
    assert cells[(date(2026, 1, 1), winback)] == (0, 0, 0, None)
    assert {row.labels["funnel"] for row in result.rows} == {"Welcome", "Winback"}


def test_funnels_by_state_and_filters(funnels):
    assert rows_by(compute("state", "entered"), "state", "entered") == {
        "completed": (3,),
        "exited": (1,),
        "active": (1,),
        "cancelled": (1,),
    }
    only = compute("month", filters=[f"funnel={funnels['winback'].pk}"])
    assert totals_of(only, ALL) == (2, 1, 1, D("50.00"))


def test_funnels_need_the_funnel_and_run_view_permissions(funnels):
    with pytest.raises(PermissionDenied):
        compute("month", user=staff_with("automation.view_funnel"))
    with pytest.raises(PermissionDenied):
        compute("month", user=StaffFactory())
    viewer = staff_with("automation.view_funnel", "automation.view_run")
    assert totals_of(compute("month", user=viewer), "entered") == (6,)


def test_funnels_through_the_report_command(funnels):
    lines = command_csv(
        "automation.funnels",
        "--group-by",
        "funnel",
        "--from",
        "2026-01-01",
        "--to",
        "2026-04-01",
        # "=": argparse would read "-entered" as an option.
        "--sort=-entered",
    )
    assert lines == [
        ["funnel", "funnel_label", "entered", "completed", "converted", "conversion"],
        [str(funnels["welcome"].pk), "Welcome", "4", "2", "2", "50.00"],
        [str(funnels["winback"].pk), "Winback", "2", "1", "1", "50.00"],
        ["total", "", "6", "3", "3", "50.00"],
    ]
