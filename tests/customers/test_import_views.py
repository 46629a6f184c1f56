"""The import wizard: upload, columns, preview, progress, errors CSV."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers import importing
from customers.forms import imports as import_forms
from customers.models import Customer, CustomerEvent, ImportJob
from customers.services import imports
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.customers.import_support import sample_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def importer(client, manager_user):
    client.force_login(manager_user)
    return client


def upload(client, name="en_with_errors.csv", content=None, **fields):
    content = sample_bytes(name) if content is None else content
    return client.post(
        reverse("customers:import_upload"),
        {"file": SimpleUploadedFile(name, content, "text/csv"), **fields},
    )


def job_of(user, name="en_with_errors.csv") -> ImportJob:
    return imports.import_job_create(
        file=io.BytesIO(sample_bytes(name)),
        original_name=name,
        created_by=user,
    )


def mapping_data(job, **overrides):
    data = {
        f"column_{index}": job.mapping.get(str(index), "")
        for index in range(len(job.headers))
    }
    data["date_format"] = job.date_format
    return {**data, **overrides}


def step_urls(job):
    return [
        reverse("customers:import_mapping", kwargs={"pk": job.pk}),
        reverse("customers:import_preview", kwargs={"pk": job.pk}),
        reverse("customers:import_progress", kwargs={"pk": job.pk}),
        reverse("customers:import_errors_csv", kwargs={"pk": job.pk}),
    ]


def test_import_pages_send_anonymous_visitors_to_the_staff_login(client):
    response = client.get(reverse("customers:import_upload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:login"))


def test_import_pages_refuse_staff_without_the_import_permission(
    client, staff_user, manager_user
):
    job = job_of(staff_user)
    client.force_login(staff_user)
    assert client.get(reverse("customers:import_upload")).status_code == 403
    assert upload(client).status_code == 403
    for url in step_urls(job):
        assert client.get(url).status_code == 403
        assert client.post(url, mapping_data(job)).status_code == 403
    assert ImportJob.objects.count() == 1
    assert job_of(manager_user).pk  # the service itself does not check people


def test_import_pages_refuse_customers(customer_client):
    assert customer_client.get(reverse("customers:import_upload")).status_code == 403


def test_import_pages_open_with_only_the_import_permission(client):
    user = StaffFactory()
    user.user_permissions.add(
        Permission.objects.get(
            codename="import_customer", content_type__app_label="customers"
        )
    )
    client.force_login(user)
    assert client.get(reverse("customers:import_upload")).status_code == 200
    response = upload(client)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse(
        "customers:import_mapping", kwargs={"pk": job.pk}
    )


def test_import_pages_answer_404_for_another_persons_job(importer, staff_user):
    job = job_of(StaffFactory(groups=["Manager"]))
    for url in step_urls(job):
        assert importer.get(url).status_code == 404
    for url in step_urls(job)[:2]:  # the steps that take a POST
        assert importer.post(url, mapping_data(job)).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_customer_list_shows_the_import_button_only_with_the_permission(
    client, staff_user, manager_user
):
    url = reverse("customers:import_upload")
    client.force_login(staff_user)
    assert url not in client.get(reverse("customers:list")).content.decode()
    client.force_login(manager_user)
    assert url in client.get(reverse("customers:list")).content.decode()


def test_import_upload_refuses_an_unreadable_file_next_to_the_field(importer):
    response = upload(importer, "customers.csv", b"\x00\x01\x02\x03binary")
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "This is not a text file. Upload a CSV file saved from a spreadsheet."
    ]
    assert "This is not a text file." in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("customers.xlsx", b"email\na@example.com\n", "Upload a .csv or .txt file"),
        ("empty.csv", b"", "The submitted file is empty."),
        ("header.csv", b"email,name\n", "header row but no customers"),
        ("noheader.csv", b"a@example.com,Ana\n", "The first row must name"),
    ],
)
def test_import_upload_explains_what_is_wrong(importer, name, content, message):
    response = upload(importer, name, content)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_import_upload_refuses_a_file_over_the_limit(importer, monkeypatch):
    monkeypatch.setattr(import_forms, "MAX_UPLOAD_BYTES", 100)
    response = upload(importer)
    assert "the limit is 100" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_import_upload_with_a_chosen_encoding_that_does_not_fit(importer):
    response = upload(importer, "it_cp1252.csv", encoding="utf-8")
    assert "not in utf-8" in response.context["form"].errors["file"][0]
    response = upload(importer, "it_cp1252.csv", encoding="cp1252", delimiter=";")
    assert response.status_code == 302
    assert ImportJob.objects.get().headers[5] == "Città"


def test_import_mapping_proposes_the_columns(importer):
    upload(importer, "es_semicolon_bom.csv")
    job = ImportJob.objects.get()
    response = importer.get(reverse("customers:import_mapping", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["column_2"].value() == "email"
    assert form["column_9"].value() == "company_name"
    assert form["date_format"].value() == importing.DATE_DMY
    content = response.content.decode()
    assert "Correo electrónico" in content
    assert "victor.solana.0@yahoo.com" in content  # examples of the column


def test_import_mapping_without_email_says_so_and_changes_nothing(importer):
    upload(importer)
    job = ImportJob.objects.get()
    url = reverse("customers:import_mapping", kwargs={"pk": job.pk})
    response = importer.post(url, mapping_data(job, column_2=""))
    assert response.status_code == 200
    assert "Choose the column that holds the e-mail" in response.content.decode()
    job.refresh_from_db()
    assert job.mapping["2"] == "email"


def test_import_mapping_with_a_field_twice_marks_the_second_column(importer):
    upload(importer)
    job = ImportJob.objects.get()
    url = reverse("customers:import_mapping", kwargs={"pk": job.pk})
    response = importer.post(url, mapping_data(job, column_5="city"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["column_5"]
    assert "already comes from the column “city”" in errors["column_5"][0]
    job.refresh_from_db()
    assert job.mapping["5"] == "postal_code"


def test_import_mapping_refuses_an_unknown_field(importer):
    upload(importer)
    job = ImportJob.objects.get()
    url = reverse("customers:import_mapping", kwargs={"pk": job.pk})
    response = importer.post(url, mapping_data(job, column_0="password"))
    assert "Select a valid choice" in response.context["form"].errors["column_0"][0]


def test_import_wizard_end_to_end(
    importer, manager_user, django_capture_on_commit_callbacks
):
    response = upload(importer)
    job = ImportJob.objects.get()
    assert job.created_by == manager_user
    mapping_url = reverse("customers:import_mapping", kwargs={"pk": job.pk})
    assert response["Location"] == mapping_url

    response = importer.post(mapping_url, mapping_data(job, column_3=""))
    preview_url = reverse("customers:import_preview", kwargs={"pk": job.pk})
    assert response["Location"] == preview_url
    job.refresh_from_db()
    assert "3" not in job.mapping  # the phone is not imported

    response = importer.get(preview_url)
    assert response.status_code == 200
    check = response.context["check"]
    assert (check.total_rows, check.new, check.error_rows) == (20, 15, 5)
    content = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert(1)</script>" not in content
    assert "The e-mail craig.white.2@gmail.com is already in row 4." in content
    assert "Import 15 rows" in content
    assert not Customer.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = importer.post(preview_url, {"update_existing": "0"})
    progress_url = reverse("customers:import_progress", kwargs={"pk": job.pk})
    assert response["Location"] == progress_url
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.error_count) == (15, 5)
    assert Customer.objects.count() == 15
    assert not Customer.objects.exclude(phone="").exists()
    assert CustomerEvent.objects.filter(actor=manager_user).count() == 15

    response = importer.get(progress_url)
    content = response.content.decode()
    assert 'hx-trigger="every 1s"' not in content
    assert '<progress id="import-progress" max="20" value="20">' in content
    assert 'data-count="created">15<' in content
    assert "The e-mail is missing." in content
    assert reverse("customers:import_errors_csv", kwargs={"pk": job.pk}) in content

    # After the start, the earlier steps lead to the progress page.
    assert importer.get(mapping_url)["Location"] == progress_url
    assert importer.get(preview_url)["Location"] == progress_url
    response = importer.post(preview_url, {"update_existing": "1"})
    assert response["Location"] == progress_url
    assert Customer.objects.count() == 15


def test_import_preview_updates_existing_when_chosen(
    importer, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(email="lorena.porto.1@terra.com.br", city="Old")
    upload(importer, "pt_comma.csv")
    job = ImportJob.objects.get()
    preview_url = reverse("customers:import_preview", kwargs={"pk": job.pk})
    response = importer.get(preview_url)
    assert response.context["check"].existing == 1
    with django_capture_on_commit_callbacks(execute=True):
        importer.post(preview_url, {"update_existing": "1"})
    job.refresh_from_db()
    assert (job.created_count, job.updated_count) == (59, 1)
    customer.refresh_from_db()
    assert customer.city == "Nascimento de Cavalcanti"


def test_import_preview_refuses_a_bad_choice(importer):
    upload(importer)
    job = ImportJob.objects.get()
    url = reverse("customers:import_preview", kwargs={"pk": job.pk})
    response = importer.post(url, {"update_existing": "maybe"})
    assert response.status_code == 200
    assert response.context["form"].errors["update_existing"]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_import_progress_polls_while_the_job_runs(importer, manager_user):
    job = job_of(manager_user)
    imports.import_job_start(job=job, update_existing=False, enqueue=False)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        total_rows=20,
        processed_rows=8,
        created_count=6,
    )
    url = reverse("customers:import_progress", kwargs={"pk": job.pk})
    response = importer.get(url)
    content = response.content.decode()
    assert 'hx-trigger="every 1s"' in content
    assert '<meta http-equiv="refresh" content="2">' in content
    assert '<progress id="import-progress" max="20" value="8">40%</progress>' in content

    partial = importer.get(url, headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert text.lstrip().startswith('<section id="import-status"')
    assert "<html" not in text
    assert 'data-count="created">6<' in text


def test_import_progress_of_a_job_not_started_leads_to_its_columns(
    importer, manager_user
):
    job = job_of(manager_user)
    response = importer.get(reverse("customers:import_progress", kwargs={"pk": job.pk}))
    assert response["Location"] == reverse(
        "customers:import_mapping", kwargs={"pk": job.pk}
    )


def test_import_errors_csv_downloads_the_refused_rows(importer, manager_user):
    job = job_of(manager_user)
    imports.import_job_start(job=job, update_existing=False, enqueue=False)
    imports.import_job_run(job_id=job.pk)
    response = importer.get(
        reverse("customers:import_errors_csv", kwargs={"pk": job.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    lines = text.lstrip("\ufeff").splitlines()
    assert (
        lines[0]
        == "Row,Reason,first_name,last_name,email,phone,city,postal_code,birth_date"
    )
    assert len(lines) == 6
    assert lines[2].startswith(
        "7,“not-an-email” is not a valid e-mail address.,Joe,Owen"
    )


def test_import_upload_lists_only_my_recent_imports(importer, manager_user):
    mine = job_of(manager_user, "pt_comma.csv")
    theirs = job_of(StaffFactory(groups=["Manager"]), "it_cp1252.csv")
    response = importer.get(reverse("customers:import_upload"))
    content = response.content.decode()
    assert reverse("customers:import_mapping", kwargs={"pk": mine.pk}) in content
    assert str(theirs.pk) not in [str(job.pk) for job, _url in response.context["jobs"]]
