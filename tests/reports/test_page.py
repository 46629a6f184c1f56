"""The staff report page on ``balance.movements``: the figures of the ledger in
``conftest.py`` (worked out by hand in ``test_balance_movements.py``), the pivot,
zero-filled buckets, top N, bad input, permissions and the query count."""

import csv
import io
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from balance.bench_cases import REPORT_CASES, report_case_url
from balance.models import Entry
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.reports.support import Past, history_write, rome

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

PAGE = reverse("reports:page", args=["balance.movements"])
RANGE = {"date_from": "2026-01-01", "date_to": "2026-04-01"}
ALL_MEASURES = ["count", "credits", "debits", "net", "average", "opening", "closing"]


def cells(row):
    return [cell.text for cell in row]


def get(client, **params):
    params = {**RANGE, **params} if "period" not in params else params
    return client.get(PAGE, params)


def test_page_by_month_shows_every_measure_as_worked_out_by_hand(staff_client, ledger):
    response = get(staff_client, rows="month", measures=ALL_MEASURES)

    assert response.status_code == 200
    table = response.context["table"]
    assert [cells(row) for row in table.body] == [
        ["2026-01", "2", "100.00", "30.00", "70.00", "35.00", "10.00", "80.00"],
        ["2026-02", "2", "50.00", "5.50", "44.50", "22.25", "80.00", "124.50"],
        ["2026-03", "1", "20.00", "0.00", "20.00", "20.00", "124.50", "144.50"],
    ]
    assert cells(table.totals) == [
        "Total",
        "5",
        "170.00",
        "35.50",
        "134.50",
        "26.90",
        "10.00",
        "144.50",
    ]
    html = response.content.decode()
    assert "Deleted operations and their reversals are left out." in html
    chart = response.context["chart"]
    assert chart["labels"] == ["2026-01", "2026-02", "2026-03"]
    assert chart["series"][0] == {"label": "Operations", "values": ["2", "2", "1"]}
    assert chart["series"][3]["values"] == ["70.00", "44.50", "20.00"]
    assert 'id="report-chart-data"' in html


def test_page_pivot_month_by_kind_with_the_totals_of_rows_and_columns(
    staff_client, ledger
):
    response = get(staff_client, rows="month", columns="kind", measures="net")

    table = response.context["table"]
    assert [text for text, _span, _number, _url in table.heads[0]] == [
        "Month",
        "Automation",
        "Credit",
        "Debit",
        "Gift",
        "Paid at checkout",
        "Total",
    ]
    assert [cells(row) for row in table.body] == [
        ["2026-01", "0.00", "100.00", "-30.00", "0.00", "0.00", "70.00"],
        ["2026-02", "0.00", "0.00", "0.00", "50.00", "-5.50", "44.50"],
        ["2026-03", "20.00", "0.00", "0.00", "0.00", "0.00", "20.00"],
    ]
    assert cells(table.totals) == [
        "Total",
        "20.00",
        "100.00",
        "-30.00",
        "50.00",
        "-5.50",
        "134.50",
    ]
    chart = response.context["chart"]
    assert chart["stacked"] is True
    assert chart["labels"] == ["2026-01", "2026-02", "2026-03"]
    by_kind = {series["label"]: series["values"] for series in chart["series"]}
    assert by_kind["Debit"] == ["-30.00", "0.00", "0.00"]
    assert by_kind["Gift"] == ["0.00", "50.00", "0.00"]


def test_page_pivot_chart_names_its_measure_and_draws_the_one_picked(
    staff_client, ledger
):
    """Month x kind with count and net: the chart draws the first measure (count)
    and says so; picked, it draws the net (the figures of the pivot above)."""
    response = get(
        staff_client, rows="month", columns="kind", measures=["count", "net"]
    )

    chart = response.context["chart"]
    assert (chart["measure"], chart["measure_key"]) == ("Operations", "count")
    by_kind = {series["label"]: series["values"] for series in chart["series"]}
    assert by_kind["Credit"] == ["1", "0", "0"]
    html = response.content.decode()
    assert "The chart draws Operations" in html
    assert 'name="chart_measure"' in html

    response = get(
        staff_client,
        rows="month",
        columns="kind",
        measures=["count", "net"],
        chart_measure="net",
    )

    chart = response.context["chart"]
    assert (chart["measure"], chart["measure_key"]) == ("Net", "net")
    by_kind = {series["label"]: series["values"] for series in chart["series"]}
    assert by_kind["Debit"] == ["-30.00", "0.00", "0.00"]
    assert by_kind["Gift"] == ["0.00", "50.00", "0.00"]
    assert "The chart draws Net" in response.content.decode()


def test_page_chart_measure_not_in_the_report_is_refused(staff_client, ledger):
    response = get(
        staff_client,
        rows="month",
        columns="kind",
        measures="net",
        chart_measure="count",
    )

    assert response.status_code == 400
    assert response.context["form"].errors["chart_measure"] == [
        "Pick one of the measures of the report, or the first one."
    ]
    assert response.context["table"] is None


def test_page_pivot_keeps_the_balances_right_in_its_totals(staff_client, ledger):
    response = get(staff_client, rows="month", columns="customer", measures="closing")

    table = response.context["table"]
    # Ann: 70, 120, 140; Bob: 10 before, then 4.50 (the reversed pair left out).
    assert [cells(row) for row in table.body] == [
        ["2026-01", "70.00", "10.00", "80.00"],
        ["2026-02", "120.00", "4.50", "124.50"],
        ["2026-03", "140.00", "4.50", "144.50"],
    ]
    assert cells(table.totals) == ["Total", "140.00", "4.50", "144.50"]


def test_page_fills_empty_months_with_zero_rows(staff_client, ledger):
    response = get(
        staff_client, rows="month", measures=["count", "net"], date_to="2026-06-01"
    )

    body = [cells(row) for row in response.context["table"].body]
    assert body[3:] == [["2026-04", "0", "0.00"], ["2026-05", "0", "0.00"]]


def test_page_top_n_folds_the_rest_into_others(staff_client, ledger):
    response = get(staff_client, rows="customer", measures="net", top="1", sort="-net")

    table = response.context["table"]
    assert [cells(row) for row in table.body] == [
        ["Ann Alder", "140.00"],
        ["Others", "-5.50"],
    ]
    assert cells(table.totals) == ["Total", "134.50"]


def test_page_sorts_by_a_column_header(staff_client, ledger):
    response = get(staff_client, rows="month", measures="net", sort="-net")

    body = [cells(row) for row in response.context["table"].body]
    assert body == [["2026-01", "70.00"], ["2026-02", "44.50"], ["2026-03", "20.00"]]
    heads = response.context["table"].heads[0]
    # Sorted descending by net: its header sorts ascending; month's by month.
    assert "sort=net" in heads[1][3]
    assert "sort=month" in heads[0][3]


def test_page_filters_and_includes_the_reversed_pairs_when_asked(staff_client, ledger):
    response = get(
        staff_client,
        rows="kind",
        measures=["count", "net"],
        filter_reversed="include",
        filter_author=["staff"],
    )

    assert [cells(row) for row in response.context["table"].body] == [
        ["Credit", "2", "140.00"],
        ["Debit", "1", "-30.00"],
        ["Reversal", "1", "-40.00"],
    ]
    assert "are included" in response.content.decode()


def test_page_presets_count_from_today(staff_client, ledger):
    response = staff_client.get(PAGE, {"rows": "month", "period": "this_year"})

    query = response.context["form"].query
    today = timezone.localdate()
    assert (query.date_from, query.date_to) == (
        date(today.year, 1, 1),
        date(today.year + 1, 1, 1),
    )


def test_page_without_choices_starts_with_this_year_by_month(staff_client, ledger):
    response = staff_client.get(PAGE)

    assert response.status_code == 200
    assert response.context["form"].query.dimensions[0].key == "month"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"top": "100000"}, "top", "less than or equal to 1000"),
        ({"top": "x"}, "top", "whole number"),
        ({"date_from": "2026-05-01"}, "date_to", "must be before the end date"),
        ({"date_from": "not-a-date"}, "date_from", "valid date"),
        ({"rows": "planet"}, "rows", "Select a valid choice"),
        ({"columns": "month"}, "columns", "two different dimensions"),
        ({"rows": "month", "columns": "week"}, "columns", "one period at most"),
        ({"measures": ["net", "bogus"]}, "measures", "Select a valid choice"),
        ({"filter_customer": "abc"}, "__all__", "not a value of the filter"),
        ({"sort": "-bogus"}, "sort", "Select a valid choice"),
        ({"rows": "month", "top": "3"}, "top", "category"),
        ({"period": "this_year", "date_from": "2026-01-01"}, "period", "not both"),
    ],
)
def test_page_bad_input_gets_a_clear_message(
    staff_client, ledger, params, field, message
):
    response = get(staff_client, **{"rows": "month", **params})

    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert response.context["table"] is None


def test_page_too_many_rows_is_refused_with_a_message(staff_client, ledger):
    response = get(
        staff_client, rows="day", date_from="1990-01-01", date_to="2026-01-01"
    )

    assert response.status_code == 400
    assert "more than 10,000 rows" in " ".join(
        response.context["form"].errors["__all__"]
    )


def test_page_needs_the_sources_permission(client, ledger):
    user = StaffFactory(groups=[])
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(user)

    assert client.get(PAGE).status_code == 403
    export = reverse("reports:export", args=["balance.movements", "csv"])
    assert client.get(export, {"rows": "month"}).status_code == 403
    index = client.get(reverse("reports:index"))
    assert index.status_code == 200
    assert "Balance movements" not in index.content.decode()
    assert "New customers" in index.content.decode()

    # With no source at all, the menu has no Report builder link.
    nobody = StaffFactory(groups=[])
    nobody.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(nobody)
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    assert reverse("reports:index") not in dashboard


def test_page_of_an_unknown_source_is_not_found(staff_client):
    assert staff_client.get(reverse("reports:page", args=["nope.x"])).status_code == (
        404
    )
    unknown_format = reverse("reports:export", args=["balance.movements", "doc"])
    assert staff_client.get(unknown_format).status_code == 404


def test_page_is_for_staff_only(customer_client):
    assert customer_client.get(PAGE).status_code == 403


def test_page_menu_link_is_in_the_reports_drop_down(staff_client):
    html = staff_client.get(reverse("staff:dashboard")).content.decode()
    assert reverse("reports:index") in html


def _customers_with_entries(count):
    for index in range(count):
        customer = CustomerFactory(first_name=f"C{index}")
        history_write(
            customer,
            [
                Past(rome("2026-01-05 10:00"), "10.00"),
                Past(rome("2026-02-05 10:00"), "-2.00", Entry.Kind.MANUAL_DEBIT),
            ],
        )


def test_page_makes_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    params = {
        **RANGE,
        "rows": "customer",
        "columns": "month",
        "measures": ALL_MEASURES,
        "top": "10",
        "sort": "-net",
    }

    def queries_of_the_page(customers):
        _customers_with_entries(customers)
        staff_client.get(PAGE, params)  # the session and permissions, once
        # Three computes (the pivot and its two totals, a few queries each), the
        # session, the user, the permissions, the saved reports and the menu.
        with django_assert_max_num_queries(16) as captured:
            response = staff_client.get(PAGE, params)
        assert response.status_code == 200
        return len(captured), len(response.context["table"].body)

    few, few_rows = queries_of_the_page(2)
    many, many_rows = queries_of_the_page(23)

    assert (few_rows, many_rows) == (2, 11)  # 25 customers: the top 10 and others
    assert few == many


def _ledger_of_2025(first, count):
    """``count`` customers with four entries each in 2025 (three months, three
    kinds) and one in December 2024, before the bench cases' year."""
    for index in range(first, first + count):
        history_write(
            CustomerFactory(first_name=f"Y{index}", last_name="Bench"),
            [
                Past(rome("2024-12-20 10:00"), "5.00"),
                Past(rome("2025-01-05 10:00"), f"{10 + index}.00"),
                Past(rome("2025-02-05 10:00"), "-2.00", Entry.Kind.MANUAL_DEBIT),
                Past(rome("2025-03-05 10:00"), "3.00", Entry.Kind.GIFT, "system"),
                Past(rome("2025-12-31 23:30"), "1.00"),
            ],
        )


@pytest.mark.parametrize("case", list(REPORT_CASES))
def test_page_bench_cases_make_the_same_queries_with_more_rows_and_customers(
    staff_client, django_assert_num_queries, case
):
    """The four cases of ``manage.py bench`` (issue 13): the page's queries stay the
    same from 3 customers to 63 (more rows: a customer each, up to the top 50)."""
    url = report_case_url(case)
    _ledger_of_2025(0, 3)
    staff_client.get(url)  # the session and permissions, once
    with CaptureQueriesContext(connection) as few:
        response = staff_client.get(url)
    assert response.status_code == 200
    few_rows = len(response.context["table"].body)

    _ledger_of_2025(3, 60)
    with django_assert_num_queries(len(few)):
        response = staff_client.get(url)

    assert response.status_code == 200
    many_rows = len(response.context["table"].body)
    expected = {
        "by month": (12, 12),  # every month of 2025, zero-filled
        "by kind": (3, 3),
        "by month x kind": (12, 12),
        "top 50 customers by net": (3, 51),  # the top 50 and "others"
    }
    assert (few_rows, many_rows) == expected[case]
    if case == "top 50 customers by net":
        # 63 customers, each 10 + index + 2 (net: +10+index -2 +3 +1): the largest
        # is Y62 (74.00), and "others" adds up the 13 smallest (Y0..Y12: 12..24).
        assert [cell.text for cell in response.context["table"].body[0]][:2] == [
            "Y62 Bench",
            "74.00",
        ]


def test_exports_carry_the_figures_of_the_page(staff_client, ledger):
    params = {**RANGE, "rows": "month", "measures": ["count", "net", "closing"]}
    page = staff_client.get(PAGE, params)
    shown = [cells(row) for row in page.context["table"].body]

    export = reverse("reports:export", args=["balance.movements", "csv"])
    response = staff_client.get(export, params)
    assert response.status_code == 200
    assert response.streaming
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == ["Month", "Operations", "Net", "Closing balance"]
    assert lines[1:] == [
        ["2026-01", "2", "70.00", "80.00"],
        ["2026-02", "2", "44.50", "124.50"],
        ["2026-03", "1", "20.00", "144.50"],
        ["Total", "5", "134.50", "144.50"],
    ]
    assert lines[1:-1] == shown

    export = reverse("reports:export", args=["balance.movements", "xlsx"])
    response = staff_client.get(export, params)
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Month", "Operations", "Net", "Closing balance"]
    assert [row[1:] for row in values[1:5]] == [
        [2, 70, 80],
        [2, 44.5, 124.5],
        [1, 20, 144.5],
        [5, 134.5, 144.5],
    ]

    export = reverse("reports:export", args=["balance.movements", "pdf"])
    response = staff_client.get(export, params)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_exports_of_a_pivot_are_the_pivot_shown(staff_client, ledger):
    params = {**RANGE, "rows": "month", "columns": "customer", "measures": "closing"}
    shown = staff_client.get(PAGE, params).context["table"]

    export = reverse("reports:export", args=["balance.movements", "csv"])
    response = staff_client.get(export, params)
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines == [
        ["Month", "Ann Alder", "Bob Birch", "Total"],
        ["", "Closing balance", "Closing balance", "Closing balance"],
        ["2026-01", "70.00", "10.00", "80.00"],
        ["2026-02", "120.00", "4.50", "124.50"],
        ["2026-03", "140.00", "4.50", "144.50"],
        ["Total", "140.00", "4.50", "144.50"],
    ]
    assert [cells(row) for row in shown.body] == lines[2:5]

    export = reverse("reports:export", args=["balance.movements", "xlsx"])
    sheet = load_workbook(io.BytesIO(staff_client.get(export, params).content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[2:] == [
        ["2026-01", 70, 10, 80],
        ["2026-02", 120, 4.5, 124.5],
        ["2026-03", 140, 4.5, 144.5],
        ["Total", 140, 4.5, 144.5],
    ]
    assert sheet["B3"].number_format == "#,##0.00"


def test_export_with_bad_choices_is_the_page_with_the_message(staff_client, ledger):
    export = reverse("reports:export", args=["balance.movements", "xlsx"])
    response = staff_client.get(export, {"rows": "month", "top": "-1"})

    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()


def test_page_date_fields_keep_iso_values_in_every_language(staff_client, ledger):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"

    html = get(staff_client, rows="month").content.decode()

    assert '<html lang="it">' in html
    # The browsers' date inputs take ISO dates only, whatever the language.
    assert 'value="2026-01-01"' in html and 'value="2026-04-01"' in html
