"""The import wizard refuses a header nobody can map, and strips terminal escapes."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.importing import reading
from customers.models import Customer, ImportJob
from customers.services import imports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def importer(client, manager_user):
    client.force_login(manager_user)
    return client


def upload(client, content: bytes):
    return client.post(
        reverse("customers:import_upload"),
        {"file": SimpleUploadedFile("wide.csv", content, "text/csv")},
    )


def test_import_upload_refuses_a_header_of_100000_columns_at_once(importer):
    header = ",".join(f"c{number}" for number in range(100_000))
    row = ",".join("x" for _number in range(100_000))
    started = time.monotonic()
    response = upload(importer, f"{header}\n{row}\n".encode())
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["file"])
    assert "too long" in message  # 600,000 characters: refused before parsing
    assert not ImportJob.objects.exists()


def test_import_upload_refuses_more_columns_than_the_cap(importer):
    count = reading.MAX_COLUMNS + 1
    header = ",".join(f"c{number}" for number in range(count))
    row = ",".join("x" for _number in range(count))
    response = upload(importer, f"{header}\n{row}\n".encode())
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        f"The file has {count} columns; at most 200 can be imported. Remove the "
        "columns you do not need and upload the file again."
    ]
    assert f"The file has {count} columns" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_import_upload_refuses_a_header_too_long_in_few_columns(importer):
    header = "email," + '"' + "n" * 30_000 + '"'
    response = upload(importer, f"{header}\na@example.com,x\n".encode())
    assert response.status_code == 200
    assert "The first row is too long" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_import_upload_takes_the_widest_header_allowed(importer):
    count = reading.MAX_COLUMNS
    header = "email," + ",".join(f"c{number}" for number in range(count - 1))
    row = "a@example.com," + ",".join("x" for _number in range(count - 1))
    response = upload(importer, f"{header}\n{row}\n".encode())
    assert response.status_code == 302
    assert len(ImportJob.objects.get().headers) == count


def test_import_strips_terminal_escapes_from_every_value(importer, manager_user):
    others = "".join(f"p{number}@example.com,Paolo,Rossi\n" for number in range(30))
    content = (
        "email,first name,last name\n"
        f"a@example.com,\x1b[2J\x1b[31mAnna\x07,Bi\x9bnchi\n{others}"
    ).encode()
    assert upload(importer, content).status_code == 302
    job = ImportJob.objects.get()
    imports.import_job_start(job=job, update_existing=False, enqueue=False)
    imports.import_job_run(job_id=job.pk)
    customer = Customer.objects.get(email="a@example.com")
    assert (customer.first_name, customer.last_name) == ("[2J[31mAnna", "Binchi")
