"""Request bodies: too large ones are refused (413) before anything reads them."""

import pytest
from django.core.files import uploadhandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import ImportJob

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
BOUNDARY = "clientela-test-boundary"


def multipart_body(size: int) -> bytes:
    """A multipart form with a CSRF field and one file of ``size`` bytes."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        "x\r\n"
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head + b"a" * size + tail


@pytest.fixture
def temporary_files(monkeypatch):
    """The uploads Django started writing to a temporary file."""
    started = []
    original = uploadhandler.TemporaryFileUploadHandler.new_file

    def new_file(self, *args, **kwargs):
        started.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "new_file", new_file)
    return started


def post_multipart(client, url, size):
    return client.post(
        url,
        data=multipart_body(size),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def test_anonymous_100_mb_post_is_refused_before_it_is_read(client, temporary_files):
    response = post_multipart(client, reverse("account:login"), 100 * MB)

    assert response.status_code == 413
    assert "Too much data" in response.content.decode()
    assert temporary_files == []


def test_anonymous_post_to_an_upload_page_gets_only_the_general_limit(
    client, temporary_files
):
    response = post_multipart(client, reverse("customers:import_upload"), 10 * MB)

    assert response.status_code == 413
    assert temporary_files == []
    assert not ImportJob.objects.exists()


def test_large_form_post_by_staff_to_an_ordinary_page_is_refused(
    staff_client, settings
):
    response = staff_client.post(
        reverse("customers:bulk"), {"q": "x" * (settings.REQUEST_BODY_MAX_BYTES)}
    )

    assert response.status_code == 413
    assert "larger than this page accepts (3.0\xa0MB)" in response.content.decode()


def test_staff_import_larger_than_the_general_limit_still_uploads(
    client, manager_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(manager_user)
    rows = "".join(
        f"Name{index},Surname{index},person{index}@example.com\n"
        for index in range(100_000)
    )
    content = ("first_name,last_name,email\n" + rows).encode()
    assert len(content) > settings.REQUEST_BODY_MAX_BYTES

    response = client.post(
        reverse("customers:import_upload"),
        {"file": SimpleUploadedFile("big.csv", content, "text/csv")},
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:import_mapping", args=[job.pk])
