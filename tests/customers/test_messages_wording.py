"""How counts and events read on the staff pages: plurals, periods, who did it."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import ImportJob, SupportRequest
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def preview(client, content: bytes) -> str:
    client.post(
        reverse("customers:import_upload"),
        {"file": SimpleUploadedFile("people.csv", content, "text/csv")},
    )
    job = ImportJob.objects.latest("pk")
    url = reverse("customers:import_preview", kwargs={"pk": job.pk})
    return " ".join(client.get(url).content.decode().split())


def test_import_preview_counts_one_row_in_the_singular(manager_client):
    page = preview(
        manager_client,
        b"email,first name\nana@example.com,Ana\nnot-an-email,Bad\n",
    )
    assert "<strong>2</strong> rows in the file" in page
    assert "<strong>1</strong> new customer<" in page
    assert "<strong>1</strong> row with problems: it will not be imported" in page
    assert "1</strong> rows with problems" not in page


def test_import_preview_without_problems_says_so(manager_client):
    page = preview(manager_client, b"email,first name\nana@example.com,Ana\n")
    assert "<strong>1</strong> row in the file" in page
    assert "No rows with problems" in page
    assert "will not be imported" not in page


def test_support_requests_figure_is_a_plural(client, manager_user):
    customer = CustomerWithLoginFactory()
    SupportRequest.objects.create(customer=customer, subject="Help", message="x")
    client.force_login(manager_user)
    page = client.get(
        f"/staff/customers/{customer.pk}/history/", HTTP_ACCEPT_LANGUAGE="pt"
    ).content.decode()
    assert 'data-figure="support_requests">1 (1 ' in page
    # The Portuguese "1 (1 abertas)" came from a singular-only message.
    assert "1 (1 abertas)" not in page


def test_email_confirmed_on_a_time_ends_with_one_period(manager_client):
    customer = CustomerWithLoginFactory(
        email_confirmed_at=datetime(2024, 3, 1, 20, 30, tzinfo=UTC)
    )
    page = manager_client.get(f"/staff/customers/{customer.pk}/login/").content
    text = " ".join(page.decode().split())
    assert f"{customer.email} was confirmed on 03/01/2024 9:30 p.m." in text
    assert "p.m.." not in text


def test_sidebar_and_timeline_say_who_stopped_logging_in_as_the_customer(
    manager_client, manager_user
):
    customer = CustomerWithLoginFactory()
    manager_client.post(f"/staff/customers/{customer.pk}/impersonate/")
    manager_client.post("/staff/impersonation/end/")
    name = manager_user.get_full_name()

    card = manager_client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert f"{name} stopped logging in as the customer<br>" in card
    history = manager_client.get(f"/staff/customers/{customer.pk}/history/")
    html = history.content.decode()
    assert f"{name} stopped logging in as the customer" in html
    assert f"{name} logged in as the customer" in html
