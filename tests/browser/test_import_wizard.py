"""The CSV import wizard in a real browser: upload, columns, preview, progress."""

import io
from pathlib import Path

import pytest

from customers.models import Customer, ImportJob
from customers.services import imports
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.import_support import sample_bytes, sample_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log_in(page, user):
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_import_a_file_with_errors_through_the_wizard(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, StaffFactory(groups=["Manager"]))

    page.goto("/staff/customers/")
    page.get_by_role("link", name="Import").click()
    page.get_by_role("heading", name="Import customers").wait_for()
    page.get_by_label("CSV file").set_input_files(
        str(sample_path("en_with_errors.csv"))
    )
    page.get_by_role("button", name="Upload and continue").click()

    page.get_by_role(
        "heading", name="Which customer field does each column fill?"
    ).wait_for()
    assert page.get_by_label("email").input_value() == "email"
    page.get_by_label("phone").select_option("")  # do not import the phone
    page.get_by_role("button", name="Check the rows").click()

    page.get_by_role("heading", name="Check before importing").wait_for()
    summary = page.locator(".import-summary")
    assert "20 rows in the file" in summary.inner_text()
    assert "5 rows with problems" in summary.inner_text()
    assert page.get_by_text("The e-mail is missing.").first.is_visible()
    assert page.get_by_text("<script>alert(1)</script>").is_visible()
    page.get_by_label("Skip them: leave their data as it is").check()
    page.get_by_role("button", name="Import 15 rows").click()

    page.get_by_text("The import is complete.").wait_for()
    assert page.locator('[data-count="created"]').inner_text() == "15"
    assert page.locator('[data-count="errors"]').inner_text() == "5"
    assert page.locator("progress").get_attribute("value") == "20"
    errors = page.locator("table.import-error-list tbody tr")
    assert errors.count() == 5
    assert errors.nth(1).inner_text().startswith("7")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download them as CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Row,Reason,first_name")
    assert len(text.splitlines()) == 6

    assert Customer.objects.count() == 15
    assert not Customer.objects.exclude(phone="").exists()
    assert dialogs == []


def test_import_progress_updates_while_the_job_runs(page):
    staff = StaffFactory(groups=["Manager"])
    job = imports.import_job_create(
        file=io.BytesIO(sample_bytes("pt_comma.csv")),
        original_name="pt_comma.csv",
        created_by=staff,
    )
    imports.import_job_start(job=job, update_existing=False, enqueue=False)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, total_rows=60, processed_rows=20
    )
    log_in(page, staff)
    page.goto(f"/staff/customers/import/{job.pk}/")
    assert page.locator("progress").get_attribute("value") == "20"

    imports.import_job_run(job_id=job.pk)  # a worker goes on from row 20

    page.get_by_text("The import is complete.").wait_for()
    assert page.locator("progress").get_attribute("value") == "60"
    assert page.locator('[data-count="created"]').inner_text() == "40"
