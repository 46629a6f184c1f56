"""The import job: creating, mapping, running in batches, re-running, resuming."""

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from customers import importing
from customers.models import Customer, CustomerEvent, ImportJob, ImportRowError
from customers.services import imports
from customers.services.imports import jobs as import_jobs
from customers.services.imports import writes as import_writes
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory
from tests.customers.import_support import SAMPLES, csv_bytes, sample_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def job_create(data: bytes | io.BytesIO, name="customers.csv", **options):
    stream = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    return imports.import_job_create(file=stream, original_name=name, **options)


def job_run(job, *, update_existing=False):
    imports.import_job_start(job=job, update_existing=update_existing, enqueue=False)
    return imports.import_job_run(job_id=job.pk)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_import_job_run_imports_every_sample_file(name, manager_user):
    expected = SAMPLES[name]
    job = job_create(sample_bytes(name), name=name, created_by=manager_user)
    job = job_run(job)
    assert job.status == ImportJob.Status.DONE
    assert job.total_rows == job.processed_rows == expected["rows"]
    assert job.created_count == expected["good"]
    assert job.error_count == len(expected["bad_rows"])
    assert (job.updated_count, job.skipped_count) == (0, 0)
    assert Customer.objects.count() == expected["good"]
    assert (
        list(job.row_errors.values_list("row_number", flat=True))
        == expected["bad_rows"]
    )
    events = CustomerEvent.objects.filter(kind=CustomerEvent.Kind.IMPORTED)
    assert events.count() == expected["good"]
    assert set(events.values_list("actor", flat=True)) == {manager_user.pk}
    assert job.started_at is not None
    assert job.finished_at is not None


def test_import_job_run_stores_the_values_of_each_language():
    for name in ("es_semicolon_bom.csv", "it_cp1252.csv", "pt_comma.csv"):
        job_run(job_create(sample_bytes(name), name=name))
    victor = Customer.objects.get(email="victor.solana.0@yahoo.com")
    assert (victor.first_name, victor.birth_date) == ("Víctor", date(1946, 3, 30))
    assert victor.region == "Granada"
    assert victor.source == "import"
    benigno = Customer.objects.get(email="benigno.araujo.1@gmail.com")
    assert benigno.company_name == "Logística Gras y asociados S.A."
    ansaldo = Customer.objects.get(email="ansaldo.tozzi.16@poste.it")
    assert (ansaldo.region, ansaldo.postal_code) == ("Forlì-Cesena", "26032")
    valentim = Customer.objects.get(email="valentim.darocha.0@yahoo.com.br")
    assert valentim.address == "Fazenda Mariah Sá, 696"
    assert valentim.birth_date == date(1993, 11, 3)


def test_import_job_run_keeps_markup_as_text_and_reports_bad_rows():
    job = job_run(job_create(sample_bytes("en_with_errors.csv")))
    marie = Customer.objects.get(email="marie.jones.12@hotmail.co.uk")
    assert marie.last_name == "<script>alert(1)</script>"
    kelly = Customer.objects.get(email="kelly.daniels.11@hotmail.com")
    assert kelly.first_name.startswith("=HYPERLINK(")
    assert not Customer.objects.filter(first_name__in=["Geraldine", "Joe"]).exists()
    messages = dict(job.row_errors.values_list("row_number", "message"))
    assert messages[5] == "The e-mail craig.white.2@gmail.com is already in row 4."
    assert messages[11] == "The e-mail is missing."
    # The first row with the e-mail was imported, with its own data.
    assert Customer.objects.get(email="craig.white.2@gmail.com").first_name == "Craig"


def test_import_job_run_skips_existing_customers_by_default():
    existing = CustomerFactory(
        email="Victor.Solana.0@Yahoo.com", first_name="Old", city="Old town"
    )
    job = job_run(job_create(sample_bytes("es_semicolon_bom.csv")))
    assert (job.created_count, job.updated_count, job.skipped_count) == (59, 0, 1)
    existing.refresh_from_db()
    assert (existing.first_name, existing.city) == ("Old", "Old town")
    assert Customer.objects.count() == 60
    assert not existing.events.exists()


def test_import_job_run_updates_existing_customers_when_asked():
    existing = CustomerWithLoginFactory(
        email="victor.solana.0@yahoo.com", first_name="Old", mobile="+34 600"
    )
    updated_before = existing.updated_at
    job = job_run(
        job_create(sample_bytes("es_semicolon_bom.csv")), update_existing=True
    )
    assert (job.created_count, job.updated_count, job.skipped_count) == (59, 1, 0)
    existing.refresh_from_db()
    assert existing.first_name == "Víctor"
    assert existing.birth_date == date(1946, 3, 30)
    assert existing.mobile == "+34 600"  # not in the file: left alone
    assert existing.user is not None
    assert existing.updated_at > updated_before
    event = existing.events.get()
    assert event.kind == CustomerEvent.Kind.IMPORTED
    assert event.data["action"] == "updated"


def test_import_job_run_leaves_a_value_alone_when_its_cell_is_empty():
    customer = CustomerFactory(email="ana@example.com", city="Lisboa", phone="1")
    data = b"email,city,phone\nana@example.com,,2\n"
    job = job_run(job_create(data), update_existing=True)
    customer.refresh_from_db()
    assert (customer.city, customer.phone) == ("Lisboa", "2")
    assert job.updated_count == 1


def test_import_job_run_counts_an_unchanged_customer_as_skipped():
    CustomerFactory(email="ana@example.com", city="Lisboa")
    job = job_run(
        job_create(b"email,city\nANA@example.com,Lisboa\n"), update_existing=True
    )
    assert (job.updated_count, job.skipped_count) == (0, 1)
    assert not CustomerEvent.objects.exists()


def test_import_job_run_twice_does_not_duplicate(django_capture_on_commit_callbacks):
    job = job_create(sample_bytes("pt_comma.csv"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        imports.import_job_start(job=job, update_existing=False)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    again = imports.import_job_run(job_id=job.pk)
    assert again.status == ImportJob.Status.DONE
    assert again.created_count == 60
    assert Customer.objects.count() == 60
    assert CustomerEvent.objects.count() == 60


def test_import_of_the_same_file_again_creates_nobody():
    job_run(job_create(sample_bytes("it_cp1252.csv")))
    second = job_run(job_create(sample_bytes("it_cp1252.csv")))
    assert (second.created_count, second.skipped_count) == (0, 60)
    assert Customer.objects.count() == 60


def test_import_job_run_resumes_after_the_last_committed_batch(monkeypatch):
    monkeypatch.setattr(import_jobs, "BATCH_SIZE", 7)
    job = job_create(sample_bytes("en_with_errors.csv"))
    imports.import_job_start(job=job, update_existing=False, enqueue=False)
    # A worker stops after its first batch (rows 2 to 8)...
    calls = []
    real_batch_write = import_writes.batch_write

    def batch_write_then_die(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt  # not an error the run handles: a kill
        calls.append(kwargs)
        return real_batch_write(*args, **kwargs)

    monkeypatch.setattr(import_writes, "batch_write", batch_write_then_die)
    with pytest.raises(KeyboardInterrupt):
        imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (ImportJob.Status.RUNNING, 7)
    assert (job.created_count, job.error_count) == (5, 2)
    # ... and the message is delivered again.
    monkeypatch.setattr(import_writes, "batch_write", real_batch_write)
    job = imports.import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE
    assert (job.processed_rows, job.created_count, job.error_count) == (20, 15, 5)
    assert Customer.objects.count() == 15
    assert CustomerEvent.objects.count() == 15
    assert ImportRowError.objects.filter(job=job).count() == 5
    # The duplicate in row 5 is still named after the resumption.
    assert job.row_errors.get(row_number=5).message.endswith("already in row 4.")


def test_import_job_run_leaves_a_job_that_is_not_queued_alone():
    job = job_create(sample_bytes("pt_comma.csv"))
    assert imports.import_job_run(job_id=job.pk).status == ImportJob.Status.UPLOADED
    assert not Customer.objects.exists()


def test_import_job_run_stops_when_another_run_went_further(monkeypatch):
    job = job_create(sample_bytes("pt_comma.csv"))
    imports.import_job_start(job=job, update_existing=False, enqueue=False)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, processed_rows=0
    )
    real_batch_write = import_writes.batch_write

    def other_run_first(job, batch, *, start, end):
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=end)
        return real_batch_write(job, batch, start=start, end=end)

    monkeypatch.setattr(import_writes, "batch_write", other_run_first)
    job = imports.import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.RUNNING
    assert not Customer.objects.exists()


def test_import_job_run_fails_cleanly_on_a_file_broken_halfway():
    good = "".join(f"c{n}@example.com,x\n" for n in range(10))
    data = f"email,note\n{good}z@example.com,{'y' * 200_000}\n".encode()
    job = job_create(data)
    job = job_run(job)
    assert job.status == ImportJob.Status.FAILED
    assert job.failure.startswith("Row 12 cannot be read")
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02binary", b"email\n", b"a@example.com,Ana\n"],
)
def test_import_job_create_refuses_an_unreadable_file_and_stores_nothing(data):
    with pytest.raises(ValidationError):
        job_create(data)
    assert not ImportJob.objects.exists()
    assert not Customer.objects.exists()


def test_import_job_create_proposes_the_mapping_and_stores_the_file():
    job = job_create(sample_bytes("it_cp1252.csv"), name="../../clienti.csv")
    assert job.original_name == "clienti.csv"
    assert job.encoding == "cp1252"
    assert job.delimiter == ";"
    assert job.date_format == importing.DATE_DMY
    assert job.mapping["2"] == "email"
    assert job.file.name.startswith("imports/")
    assert job.file.name.endswith(".csv")
    assert ".." not in job.file.name


def test_import_job_map_refuses_a_mapping_without_email_or_with_a_field_twice():
    job = job_create(sample_bytes("pt_comma.csv"))
    with pytest.raises(ValidationError) as error:
        imports.import_job_map(
            job=job, mapping={"0": "first_name"}, date_format=importing.DATE_ISO
        )
    assert "e-mail" in error.value.messages[0]
    with pytest.raises(ValidationError):
        imports.import_job_map(
            job=job,
            mapping={"2": "email", "5": "city", "6": "city"},
            date_format=importing.DATE_ISO,
        )
    job.refresh_from_db()
    assert job.mapping["6"] == "region"


def test_import_job_map_changes_how_columns_and_dates_are_read():
    data = b"mail;ciudad;nacimiento;otra\na@example.com;Lugo;03/04/1990;Madrid\n"
    job = job_create(data)
    imports.import_job_map(
        job=job,
        mapping={"0": "email", "2": "birth_date", "3": "city"},
        date_format=importing.DATE_MDY,
    )
    job_run(job)
    customer = Customer.objects.get()
    assert (customer.city, customer.birth_date) == ("Madrid", date(1990, 3, 4))


def test_import_job_start_refuses_a_job_already_started():
    job = job_create(sample_bytes("pt_comma.csv"))
    job_run(job)
    with pytest.raises(ValidationError):
        imports.import_job_start(job=job, update_existing=True, enqueue=False)
    with pytest.raises(ValidationError):
        imports.import_job_map(
            job=job, mapping={"2": "email"}, date_format=importing.DATE_ISO
        )


def test_import_check_counts_new_existing_and_bad_rows_without_writing():
    CustomerFactory(email="kenneth.richards.0@outlook.com", first_name="Kenneth")
    check = imports.import_check(
        stream=csv_bytes(sample_bytes("en_with_errors.csv").decode()),
        encoding="utf-8",
        delimiter=",",
        headers=importing.file_analyse(
            io.BytesIO(sample_bytes("en_with_errors.csv"))
        ).headers,
        mapping=importing.mapping_propose(
            ["first_name", "last_name", "email", "phone", "city", "postal_code"]
        )
        | {"6": "birth_date"},
        date_format=importing.DATE_ISO,
        sample_size=3,
        problems_size=2,
    )
    assert (check.total_rows, check.new, check.existing, check.error_rows) == (
        20,
        14,
        1,
        5,
    )
    assert check.existing_rows == {2}
    assert [row.row_number for row in check.rows] == [2, 3, 4]
    assert [row.row_number for row in check.problems] == [5, 7]
    assert Customer.objects.count() == 1


def test_import_job_error_rows_give_the_reason_and_the_row_neutralised():
    job = job_run(job_create(sample_bytes("en_with_errors.csv")))
    rows = list(imports.import_job_error_rows(job=job))
    assert rows[0] == ["Row", "Reason", *job.headers]
    assert [row[0] for row in rows[1:]] == ["5", "7", "9", "11", "15"]
    assert rows[1][2:5] == ["Geraldine", "Phillips", "craig.white.2@gmail.com"]
    assert rows[4][1] == "The e-mail is missing."


def test_import_job_error_rows_neutralise_formulas():
    data = b"email,name\n=cmd,x\n+bad,=1+1\n"
    job = job_run(job_create(data))
    rows = list(imports.import_job_error_rows(job=job))
    assert rows[1][0] == "2"
    assert rows[1][2:] == ["'=cmd", "x"]
    assert rows[2][2:] == ["'+bad", "'=1+1"]


def test_import_job_run_retries_a_batch_when_a_customer_appears_meanwhile(
    monkeypatch,
):
    CustomerFactory(email="lorena.porto.1@terra.com.br", city="Old")
    real_lookup = imports.customers_by_email
    calls = []

    def lookup_missing_the_newcomer_once(emails, fields):
        calls.append(len(emails))
        return {} if len(calls) == 1 else real_lookup(emails, fields)

    monkeypatch.setattr(
        import_writes, "customers_by_email", lookup_missing_the_newcomer_once
    )
    job = job_run(job_create(sample_bytes("pt_comma.csv")))
    assert len(calls) == 2
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.skipped_count) == (59, 1)
    assert Customer.objects.count() == 60
    assert CustomerEvent.objects.count() == 59
