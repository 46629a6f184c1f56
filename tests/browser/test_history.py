from pathlib import Path

import pytest

from customers.models import CustomerAction
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory
from tests.customers.history_helpers import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def staff_log_in(page, staff):
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_staff_add_an_action_with_an_attachment_and_download_it(page, tmp_path):
    staff = StaffFactory(groups=["Staff"])
    customer = CustomerFactory(first_name="Lucia", last_name="Verdi")
    offer = tmp_path / "offer.pdf"
    offer.write_bytes(PDF_BYTES)

    staff_log_in(page, staff)
    page.goto(f"/staff/customers/{customer.pk}/")
    page.get_by_role("link", name="Action history").click()
    page.get_by_role("heading", name="Action history").wait_for()
    page.get_by_role("link", name="Add an action").click()

    page.get_by_label("Type").select_option("call")
    page.get_by_label("Title").fill("Called about the offer")
    note = page.get_by_label("Note")
    note.fill("wants two boxes")
    note.evaluate("textarea => textarea.select()")
    page.get_by_role("button", name="Bold").click()
    assert note.input_value() == "<strong>wants two boxes</strong>"
    page.get_by_label("Attachments").set_input_files(str(offer))
    page.get_by_role("button", name="Save").click()

    page.get_by_text("The action was added.").wait_for()
    event = page.locator(".timeline-event", has_text="Called about the offer")
    event.wait_for()
    assert event.locator("strong", has_text="wants two boxes").count() == 1
    with page.expect_download() as download_info:
        event.get_by_role("link", name="offer.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "offer.pdf"
    assert Path(download.path()).read_bytes() == PDF_BYTES

    # Marked done in place (htmx), without leaving the page.
    page.evaluate("window.notReloaded = true")
    event.get_by_role("button", name="Mark done").click()
    page.locator(".timeline-event", has_text="Called about the offer").get_by_role(
        "button", name="Mark not done"
    ).wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert CustomerAction.objects.get(customer=customer).done
