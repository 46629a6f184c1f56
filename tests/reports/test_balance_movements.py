"""``balance.movements`` computed by the engine, against figures worked out by hand.

The fixture (times in Europe/Rome, the default TIME_ZONE; range [Jan, Apr) 2026):

    Ann  2026-01-10 10:00  +100.00  manual credit  staff
    Ann  2026-01-20 10:00   -30.00  manual debit   staff
    Ann  2026-02-05 09:00   +50.00  gift           system
    Ann  2026-03-29 00:30   +20.00  automation     system (last Sunday of March)
    Bob  2025-12-31 23:30   +10.00  manual credit  staff   (before the range)
    Bob  2026-02-14 12:00    -5.50  checkout       customer
    Bob  2026-02-14 13:00   +40.00  manual credit  staff
    Bob  2026-02-20 10:00   -40.00  reversal of the credit above

Reversed pairs left out (the default), by month:

    month  count credits debits    net  average opening closing
    Jan        2  100.00  30.00  70.00    35.00   10.00   80.00
    Feb        2   50.00   5.50  44.50    22.25   80.00  124.50
    Mar        1   20.00   0.00  20.00    20.00  124.50  144.50
    total      5  170.00  35.50 134.50    26.90   10.00  144.50

Balances: Ann 140.00 + Bob 4.50 = 144.50, the last closing.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext, override_settings

from balance.models import Entry
from customers.models import Customer
from reports.query import ReportQueryError, report_query_build
from reports.selectors import report_compute
from tests.balance.support import credit
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.reports.support import Past, history_write, rome

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

ALL_MEASURES = "count,credits,debits,net,average,opening,closing"
D = Decimal


def compute(group_by, measures=ALL_MEASURES, user=None, **kwargs):
    kwargs.setdefault("date_from", "2026-01-01")
    kwargs.setdefault("date_to", "2026-04-01")
    query = report_query_build(
        source="balance.movements", group_by=group_by, measures=measures, **kwargs
    )
    return report_compute(query, user)


def figures(row, keys=ALL_MEASURES):
    return tuple(row.values[key] for key in keys.split(","))


def test_movements_every_measure_by_month_matches_the_hand_computed_figures(ledger):
    result = compute("month")

    assert [row.values["month"] for row in result.rows] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert [figures(row) for row in result.rows] == [
        (2, D("100.00"), D("30.00"), D("70.00"), D("35.00"), D("10.00"), D("80.00")),
        (2, D("50.00"), D("5.50"), D("44.50"), D("22.25"), D("80.00"), D("124.50")),
        (1, D("20.00"), D("0.00"), D("20.00"), D("20.00"), D("124.50"), D("144.50")),
    ]
    assert figures(result.totals) == (
        5,
        D("170.00"),
        D("35.50"),
        D("134.50"),
        D("26.90"),
        D("10.00"),
        D("144.50"),
    )
    assert result.totals.values["month"] == "total"
    assert result.notes == ["Deleted operations and their reversals are left out."]


def test_movements_opening_plus_net_is_closing_and_the_last_closing_is_all_balances(
    ledger,
):
    result = compute("month", date_to=None)

    previous_closing = None
    for row in result.rows:
        assert row.values["opening"] + row.values["net"] == row.values["closing"]
        if previous_closing is not None:
            assert row.values["opening"] == previous_closing
        previous_closing = row.values["closing"]
    balances = Customer.objects.aggregate(total=Sum("balance"))["total"]
    assert balances == D("144.50")
    assert result.rows[-1].values["closing"] == balances
    assert result.totals.values["closing"] == balances


def test_movements_reversed_pairs_included_on_request_and_the_totals_say_so(ledger):
    result = compute("month", filters=["reversed=include"])

    february = result.rows[1]
    assert figures(february) == (
        4,
        D("90.00"),
        D("45.50"),
        D("44.50"),
        D("11.13"),
        D("80.00"),
        D("124.50"),
    )
    assert figures(result.totals) == (
        7,
        D("210.00"),
        D("75.50"),
        D("134.50"),
        D("19.21"),
        D("10.00"),
        D("144.50"),
    )
    assert result.notes == ["Deleted operations and their reversals are included."]


def test_movements_by_author_tells_automation_from_the_system(ledger):
    result = compute("author", measures="count,net")

    by_author = {row.values["author"]: figures(row, "count,net") for row in result.rows}
    assert by_author == {
        "staff": (2, D("70.00")),
        "system": (1, D("50.00")),
        "automation": (1, D("20.00")),
        "customer": (1, D("-5.50")),
    }
    assert {row.labels["author"] for row in result.rows} == {
        "Staff",
        "System",
        "Automation",
        "Customer",
    }


def test_movements_month_by_kind_zero_fills_every_kind_and_adds_up(ledger):
    result = compute("month,kind", measures="count,net")

    kinds = {row.values["kind"] for row in result.rows}
    assert kinds == {"manual_credit", "manual_debit", "gift", "automation", "checkout"}
    assert len(result.rows) == 3 * 5
    cell = {(r.values["month"], r.values["kind"]): r.values["net"] for r in result.rows}
    assert cell[(date(2026, 2, 1), "gift")] == D("50.00")
    assert cell[(date(2026, 3, 1), "gift")] == D("0.00")
    assert result.totals.values["net"] == D("134.50")
    assert result.rows[0].labels["kind"] in {"Automation", "Paid at checkout", "Credit"}


def test_movements_per_customer_opening_and_closing(ledger):
    ann, bob = ledger
    result = compute("customer", measures="net,opening,closing")

    rows = {
        row.values["customer"]: figures(row, "net,opening,closing")
        for row in result.rows
    }
    assert rows == {
        ann.pk: (D("140.00"), D("0.00"), D("140.00")),
        bob.pk: (D("-5.50"), D("10.00"), D("4.50")),
    }
    assert {row.labels["customer"] for row in result.rows} == {"Ann Alder", "Bob Birch"}


def test_movements_filters_by_kind_author_and_customer(ledger):
    ann, _bob = ledger

    assert compute("year", filters=["kind=gift,automation"]).totals.values["net"] == D(
        "70.00"
    )
    assert compute("year", filters=["author=staff"]).totals.values["count"] == 2
    by_ann = compute("year", filters=[f"customer={ann.pk}"])
    assert by_ann.totals.values["closing"] == D("140.00")
    with pytest.raises(ReportQueryError) as error:
        compute("year", filters=["customer=ann"])
    assert error.value.field == "filter"


@override_settings(TIME_ZONE="Europe/Rome")
def test_movements_a_posting_at_0030_on_the_dst_sunday_belongs_to_that_day():
    customer = CustomerFactory()
    history_write(
        customer,
        [
            # 00:30 CET is 23:30 UTC of the Saturday before.
            Past(rome("2026-03-29 00:30"), "1.00"),
            # 23:30 CEST is 21:30 UTC, still the Sunday.
            Past(rome("2026-03-29 23:30"), "2.00"),
            # 00:10 CEST is 22:10 UTC of the Sunday, but locally the Monday.
            Past(rome("2026-03-30 00:10"), "4.00"),
        ],
    )

    result = compute(
        "day", measures="count,net", date_from="2026-03-28", date_to="2026-03-31"
    )

    assert [
        (r.values["day"], r.values["count"], r.values["net"]) for r in result.rows
    ] == [
        (date(2026, 3, 28), 0, D("0.00")),
        (date(2026, 3, 29), 2, D("3.00")),
        (date(2026, 3, 30), 1, D("4.00")),
    ]
    weeks = compute(
        "week", measures="net", date_from="2026-03-23", date_to="2026-04-06"
    )
    assert [
        (r.values["week"], r.labels["week"], r.values["net"]) for r in weeks.rows
    ] == [
        (date(2026, 3, 23), "2026-W13", D("3.00")),
        (date(2026, 3, 30), "2026-W14", D("4.00")),
    ]


def test_movements_empty_days_appear_as_zero_rows(ledger):
    result = compute("day", date_to="2026-02-01", measures="count,net,average")

    assert len(result.rows) == 31
    busy = {r.values["day"]: r.values["net"] for r in result.rows if r.values["count"]}
    assert busy == {date(2026, 1, 10): D("100.00"), date(2026, 1, 20): D("-30.00")}
    quiet = result.rows[0]
    assert (quiet.values["count"], quiet.values["net"], quiet.values["average"]) == (
        0,
        D("0.00"),
        None,
    )


def test_movements_quarters_and_years(ledger):
    quarters = compute("quarter", measures="net", date_from="2025-10-01")
    assert [(r.labels["quarter"], r.values["net"]) for r in quarters.rows] == [
        ("2025-Q4", D("10.00")),
        ("2026-Q1", D("134.50")),
    ]
    years = compute("year", measures="net,closing", date_from=None, date_to=None)
    assert years.rows[0].labels["year"] == "2025"
    assert years.totals.values["closing"] == D("144.50")


def test_movements_top_n_folds_the_rest_into_others(db):
    big, middle, small = CustomerFactory(), CustomerFactory(), CustomerFactory()
    credit(big, "30.00")
    credit(middle, "20.00")
    credit(small, "5.00")
    credit(small, "5.00")

    result = compute(
        "customer",
        measures="count,net",
        date_from=None,
        date_to=None,
        sort="-net",
        top=1,
    )

    assert [
        (r.kind, r.values["customer"], figures(r, "count,net")) for r in result.rows
    ] == [
        ("data", big.pk, (1, D("30.00"))),
        ("others", "others", (3, D("30.00"))),
    ]
    assert result.rows[1].labels["customer"] == "Others"
    assert figures(result.totals, "count,net") == (4, D("60.00"))


def test_movements_top_n_is_ranked_by_the_database_past_the_row_limit(db, monkeypatch):
    """A top N of one category is the database's ORDER BY ... LIMIT N and one sum
    of the rest: with more groups than the row limit (3 here) it still computes,
    in three queries (the top, the rest, the names)."""
    monkeypatch.setattr("reports.selectors.compute.MAX_ROWS", 3)
    customers = [CustomerFactory(first_name=name, last_name="") for name in "ABCDE"]
    # Nets: A 1, B 2, C 3 (+4 -1), D 4, E 5; counts 1, 1, 2, 1, 1.
    amounts = (["1.00"], ["2.00"], ["4.00", "-1.00"], ["4.00"], ["5.00"])
    for customer, history in zip(customers, amounts, strict=True):
        history_write(
            customer,
            [
                Past(
                    rome(f"2026-02-0{day} 10:00"),
                    amount,
                    Entry.Kind.MANUAL_DEBIT if amount[0] == "-" else "manual_credit",
                )
                for day, amount in enumerate(history, start=1)
            ],
        )

    with pytest.raises(ReportQueryError):
        compute("customer", measures="net,count", date_from=None, date_to=None)
    with CaptureQueriesContext(connection) as captured:
        result = compute(
            "customer",
            measures="net,count,average",
            date_from=None,
            date_to=None,
            sort="-net",
            top=2,
        )

    assert len(captured) == 3
    assert [
        (r.kind, r.labels["customer"], figures(r, "net,count,average"))
        for r in result.rows
    ] == [
        ("data", "E", (D("5.00"), 1, D("5.00"))),
        ("data", "D", (D("4.00"), 1, D("4.00"))),
        # A, B and C: 1 + 2 + 3 = 6.00 over 4 entries, 1.50 each.
        ("others", "Others", (D("6.00"), 4, D("1.50"))),
    ]
    assert figures(result.totals, "net,count,average") == (D("15.00"), 6, D("2.50"))


def test_movements_top_n_with_a_period_folds_per_period(ledger):
    result = compute("month,kind", measures="net", top=2, sort="-net")

    assert {r.values["kind"] for r in result.rows} == {
        "manual_credit",
        "gift",
        "others",
    }
    others = {
        r.values["month"]: r.values["net"] for r in result.rows if r.kind == "others"
    }
    assert others == {
        date(2026, 1, 1): D("-30.00"),
        date(2026, 2, 1): D("-5.50"),
        date(2026, 3, 1): D("20.00"),
    }
    assert result.totals.values["net"] == D("134.50")


def test_movements_sorted_by_a_measure(ledger):
    result = compute("kind", measures="net", sort="net")
    nets = [r.values["net"] for r in result.rows]
    assert nets == sorted(nets)
    descending = compute("kind", measures="net", sort="-net")
    assert [r.values["net"] for r in descending.rows] == sorted(nets, reverse=True)


def test_movements_refused_without_the_balance_view_permission(ledger, staff_user):
    outsider = StaffFactory()
    with pytest.raises(PermissionDenied):
        compute("month", user=outsider)
    assert compute("month", user=staff_user).totals.values["count"] == 5


def test_movements_past_ten_thousand_rows_is_an_error(ledger):
    with pytest.raises(ReportQueryError) as error:
        compute("day", date_from="1990-01-01", date_to="2026-04-01")
    assert error.value.field == "rows"
    assert "10,000" in str(error.value)


def _queries(**kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        compute("month,customer", **kwargs)
    return len(captured.captured_queries)


def test_movements_query_count_is_the_same_whatever_the_size(
    ledger, django_assert_max_num_queries
):
    # The grouped rows, the balances before the start, the customers' names.
    with django_assert_max_num_queries(3):
        compute("month,customer")
    small = _queries()
    for index in range(12):
        history_write(
            CustomerFactory(),
            [Past(rome(f"2026-0{1 + index % 3}-0{1 + index % 9} 12:00"), "3.00")],
        )
    with django_assert_max_num_queries(3):
        result = compute("month,customer")
    assert len(result.rows) == 3 * 14
    assert _queries() == small


def test_movements_source_listed_for_those_who_may_see_it(staff_user):
    from core import plugins

    assert "balance.movements" in plugins.report_sources
    assert "balance.movements" in [
        s.key for s in plugins.report_sources.visible_to(staff_user)
    ]
    assert plugins.report_sources.visible_to(StaffFactory()) == []


def test_movements_opening_adds_up_every_entry_before_the_start(db):
    first, second = CustomerFactory(), CustomerFactory()
    history_write(
        first,
        [
            Past(rome("2025-11-02 10:00"), "7.00"),
            Past(rome("2025-12-02 10:00"), "1.25"),
        ],
    )
    history_write(
        second,
        [
            Past(rome("2025-10-02 10:00"), "3.00"),
            Past(rome("2026-01-02 10:00"), "2.00"),
        ],
    )

    result = compute("month", measures="net,opening,closing", date_to="2026-02-01")

    assert [figures(r, "net,opening,closing") for r in result.rows] == [
        (D("2.00"), D("11.25"), D("13.25"))
    ]
    by_kind = compute("kind", measures="opening,closing", date_to="2026-02-01")
    assert figures(by_kind.totals, "opening,closing") == (D("11.25"), D("13.25"))


def test_movements_others_stays_last_when_sorted_by_the_category(db):
    customers = [CustomerFactory(first_name=name, last_name="") for name in "ABC"]
    for customer, amount in zip(customers, ("1.00", "2.00", "3.00"), strict=True):
        credit(customer, amount)

    for sort in ("customer", "-customer"):
        result = compute(
            "customer", measures="net", date_from=None, date_to=None, top=2, sort=sort
        )
        labels = [r.labels["customer"] for r in result.rows]
        assert labels == (
            ["B", "C", "Others"] if sort == "customer" else ["C", "B", "Others"]
        )
