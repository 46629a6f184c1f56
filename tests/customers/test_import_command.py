"""``manage.py import_customers``: report, summary, --dry-run, exit codes."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from customers.models import Customer, CustomerEvent, ImportJob
from tests.customers.factories import CustomerFactory
from tests.customers.import_support import sample_path

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*args) -> str:
    out = StringIO()
    call_command("import_customers", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def test_import_customers_prints_each_bad_row_and_the_summary():
    output = run(sample_path("en_with_errors.csv"))
    assert "Row 5: The e-mail craig.white.2@gmail.com is already in row 4." in output
    assert "Row 7: “not-an-email” is not a valid e-mail address." in output
    assert "Row 9: The birth date “1985-02-30” is not a valid date" in output
    assert "Row 11: The e-mail is missing." in output
    assert "Row 15: The city is too long" in output
    assert "Rows: 20. Created: 15, updated: 0, skipped: 0, errors: 5." in output
    assert Customer.objects.count() == 15
    assert CustomerEvent.objects.count() == 15
    job = ImportJob.objects.get()
    assert (job.status, job.created_by) == (ImportJob.Status.DONE, None)


@pytest.mark.parametrize(
    ("name", "detected"),
    [
        ("es_semicolon_bom.csv", "Encoding: utf-8-sig; delimiter: semicolon (;)"),
        ("it_cp1252.csv", "Encoding: cp1252; delimiter: semicolon (;)"),
        ("pt_comma.csv", "Encoding: utf-8; delimiter: comma (,)"),
    ],
)
def test_import_customers_imports_each_language(name, detected):
    output = run(sample_path(name))
    assert detected in output
    assert "Rows: 60. Created: 60, updated: 0, skipped: 0, errors: 0." in output
    assert Customer.objects.count() == 60


def test_import_customers_shows_the_mapping():
    output = run(sample_path("it_cp1252.csv"))
    assert "Città → city" in output
    assert "CAP → postal code" in output
    assert "dates: dd/mm/yyyy" in output


def test_import_customers_dry_run_changes_nothing():
    CustomerFactory(email="kenneth.richards.0@outlook.com")
    output = run(sample_path("en_with_errors.csv"), "--dry-run")
    assert "Row 7: “not-an-email” is not a valid e-mail address." in output
    assert (
        "Rows: 20. Would create: 14, update: 0, skip: 1, errors: 5. "
        "Dry run: nothing was changed."
    ) in output
    assert Customer.objects.count() == 1
    assert not ImportJob.objects.exists()
    assert not CustomerEvent.objects.exists()


def test_import_customers_dry_run_with_update_existing_counts_updates():
    CustomerFactory(email="kenneth.richards.0@outlook.com", city="Elsewhere")
    output = run(sample_path("en_with_errors.csv"), "--dry-run", "--update-existing")
    assert "Would create: 14, update: 1, skip: 0, errors: 5." in output


def test_import_customers_update_existing():
    customer = CustomerFactory(email="zaira.cipolla.20@libero.it", city="Old")
    output = run(sample_path("it_cp1252.csv"), "--update-existing")
    assert "Created: 59, updated: 1, skipped: 0" in output
    customer.refresh_from_db()
    assert customer.city == "Era"


def test_import_customers_skips_existing_by_default():
    customer = CustomerFactory(email="zaira.cipolla.20@libero.it", city="Old")
    output = run(sample_path("it_cp1252.csv"))
    assert "Created: 59, updated: 0, skipped: 1" in output
    customer.refresh_from_db()
    assert customer.city == "Old"


def test_import_customers_with_a_given_delimiter_and_encoding(tmp_path):
    path = tmp_path / "tabs.txt"
    path.write_bytes("Email\tCittà\nana@example.it\tForlì\n".encode("cp1252"))
    output = run(path, "--delimiter", "tab", "--encoding", "cp1252")
    assert "Created: 1" in output
    assert Customer.objects.get().city == "Forlì"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\x00\x01\x02\x03 binary", "This is not a text file."),
        (b"first name,city\nAna,Lima\n", "Choose the column that holds the e-mail"),
        (b"ana@example.com,Ana\n", "The first row must name the columns"),
    ],
)
def test_import_customers_fails_on_an_unreadable_file(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        run(path)
    assert message in str(error.value)
    assert not ImportJob.objects.exists()
    assert not Customer.objects.exists()


def test_import_customers_fails_on_a_file_broken_halfway_and_changes_nothing(
    tmp_path,
):
    good = "".join(f"c{n}@example.com,x\n" for n in range(10))
    path = tmp_path / "broken.csv"
    path.write_text(f"email,note\n{good}z@example.com,{'y' * 200_000}\n")
    with pytest.raises(CommandError) as error:
        run(path)
    assert "Row 12 cannot be read" in str(error.value)
    assert not Customer.objects.exists()
    assert not ImportJob.objects.exists()


def test_import_customers_fails_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as error:
        run(tmp_path / "nowhere.csv")
    assert "no such file" in str(error.value)


def test_import_customers_exits_non_zero_from_the_shell(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_customers", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "The file is empty." in result.stderr
