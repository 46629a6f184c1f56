"""A saved report scheduled in a real browser: open its schedule page from the
saved reports, fill the form, see the next send and the list's mark."""

import pytest
from playwright.sync_api import expect

from reports.models import ReportSchedule, SavedReport
from tests.core.factories import PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_schedule_a_saved_report(page):
    staff = StaffFactory(groups=["Manager"])
    colleague = StaffFactory(groups=["Staff"], first_name="Carla", last_name="Conti")
    SavedReport.objects.create(
        owner=staff,
        name="Ledger by month",
        source_key="balance.movements",
        choices={"rows": ["month"], "period": ["this_month"]},
    )
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()

    page.goto("/staff/reports/")
    # The dashboard made the built-in balance report too: pick ours.
    page.get_by_test_id("saved-report").filter(has_text="Ledger by month").get_by_role(
        "link", name="Schedule an e-mail"
    ).click()
    form = page.get_by_test_id("schedule-form")
    form.get_by_label("Send").select_option("monthly_last")
    form.locator("#id_time_of_day").fill("")
    form.get_by_role("button", name="Save the schedule").click()
    invalid = page.locator(".field-invalid")
    expect(invalid).to_have_count(1)
    expect(invalid).to_contain_text("This field is required.")
    assert not ReportSchedule.objects.exists()

    form = page.get_by_test_id("schedule-form")
    form.locator("#id_time_of_day").fill("18:30")
    form.get_by_label("Attached as").select_option("csv")
    form.get_by_label(f"Carla Conti <{colleague.email}>").check()
    form.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_test_id("schedule-next")).to_contain_text("Next send:")

    schedule = ReportSchedule.objects.get()
    assert (schedule.frequency, schedule.format) == ("monthly_last", "csv")
    assert set(schedule.recipients.all()) == {staff, colleague}
    page.goto("/staff/reports/")
    expect(page.get_by_test_id("saved-report-scheduled")).to_have_text("Scheduled")
    assert problems == []
