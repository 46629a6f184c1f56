"""The report page in a real browser: build a report (month × kind), see its
chart, save it, pin it to the dashboard, and download its XLSX."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from balance.models import Entry
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory
from tests.reports.support import Past, history_write, rome

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART_DRAWN = "canvas => window.Chart.getChart(canvas) !== undefined"


def test_staff_build_save_pin_and_download_a_report(page):
    staff = StaffFactory(groups=["Manager"])
    ann = CustomerFactory(first_name="Ann", last_name="Alder")
    history_write(
        ann,
        [
            Past(rome("2026-01-10 10:00"), "100.00"),
            Past(rome("2026-01-20 10:00"), "-30.00", Entry.Kind.MANUAL_DEBIT),
            Past(rome("2026-02-05 09:00"), "50.00", Entry.Kind.GIFT, "system"),
        ],
    )
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()

    page.goto("/staff/reports/")
    page.get_by_role("link", name="Balance movements").click()
    page.get_by_role("heading", name="Balance movements").wait_for()
    form = page.get_by_test_id("report-form")
    form.get_by_label("Rows").select_option("month")
    form.get_by_label("Columns").select_option("kind")
    form.get_by_label("Net", exact=True).check()
    form.get_by_label("Period").select_option("")
    form.get_by_label("From").fill("2026-01-01")
    form.locator("#id_date_to").fill("2026-03-01")
    form.get_by_role("button", name="Show").click()

    totals = page.get_by_test_id("report-totals")
    expect(totals).to_contain_text("120.00")
    table = page.get_by_test_id("report-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("thead")).to_contain_text("Gift")
    canvas = page.get_by_test_id("report-chart").locator("canvas")
    page.wait_for_function(
        "() => window.Chart && window.Chart.getChart(document.querySelector("
        "'[data-testid=report-chart] canvas')) !== undefined"
    )
    assert canvas.evaluate(CHART_DRAWN)

    save = page.get_by_test_id("report-save")
    save.get_by_label("Name").fill("Early 2026")
    save.get_by_label("Visible to").select_option("staff")
    save.get_by_role("button", name="Save this report").click()
    page.get_by_text("Report “Early 2026” saved.").wait_for()
    saved = page.get_by_test_id("saved-report").filter(has_text="Early 2026")
    saved.get_by_role("button", name="Pin to the dashboard").click()
    page.get_by_text("Pinned to your dashboard.").wait_for()

    page.goto("/staff/")
    # Under the built-in balance report, pinned for everyone who sees the balance.
    expect(page.get_by_test_id("pinned-report").first).to_contain_text(
        "Balance, last 30 days"
    )
    pinned = page.get_by_test_id("pinned-report").filter(has_text="Early 2026")
    expect(pinned).to_contain_text("Early 2026")
    expect(pinned.get_by_test_id("pinned-report-totals")).to_contain_text("120.00")
    page.wait_for_function(
        "() => window.Chart && window.Chart.getChart(document.querySelector("
        "'[data-testid=pinned-report] canvas')) !== undefined"
    )

    pinned.get_by_role("link", name="Early 2026").click()
    expect(page.get_by_test_id("report-totals")).to_contain_text("120.00")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.path().read_bytes())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    # The pivot as the page shows it: months down, kinds across, the totals.
    assert rows == [
        ["Month", "Credit", "Debit", "Gift", "Total"],
        [None, "Net", "Net", "Net", "Net"],
        ["2026-01", 100, -30, 0, 70],
        ["2026-02", 0, 0, 50, 50],
        ["Total", 100, -30, 50, 120],
    ]
    assert problems == []
