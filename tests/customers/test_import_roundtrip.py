"""An export re-imported unchanged changes nothing.

The file comes from the staff list's export (in each language a member of staff may
use) and goes back through ``manage.py import_customers --update-existing`` and the
wizard; every customer field is compared before and after.
"""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import translation

from core.csv_cells import csv_cell_read, csv_cell_safe
from customers.models import Customer, ImportJob, Tag
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = "/staff/customers/export/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def customers():
    vip, hot = Tag.objects.create(name="VIP"), Tag.objects.create(name="=Hot, lead")
    formulas = CustomerWithLoginFactory(
        email="ana.bianchi@example.com",
        first_name="=Ana",
        last_name="-Bianchi",
        phone="+34 610 070 912",
        mobile="@home 333",
        birth_date=date(1985, 2, 28),
        sex="f",
        address='Calle Mayor, 5; 2º "B"',
        postal_code="08001",
        city="São Paulo",
        region="Île-de-France",
        country="ES",
        language="pt",
        company_name="＝SUM(A1)",  # full-width: a spreadsheet reads it as "="
        vat_number="＋IT 123",
        fiscal_code="'=quoted already",  # an apostrophe the person typed
        newsletter_subscribed=True,
        email_confirmed_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
    )
    formulas.tags.add(vip, hot)
    plain = CustomerFactory(
        email="Mixed.Case@Example.com",
        first_name="'Nuno",  # an apostrophe before a letter stays
        last_name="O'Brien",
        phone="-",
        mobile="",
        birth_date=None,
        sex="",
        city="",
        country="",
        language="it",
        company_name="+Plus & Co",
    )
    inactive = CustomerWithLoginFactory(
        email="inactive@example.com",
        first_name="Ídolo",
        last_name="",
        phone="",
        city="Lisboa",
        sex="m",
        language="es",
        birth_date=date(2000, 12, 31),
    )
    inactive.user.is_active = False
    inactive.user.save(update_fields=["is_active"])
    return [formulas, plain]


def snapshot() -> list[dict]:
    rows = []
    for customer in Customer.objects.select_related("user").order_by("pk"):
        row = model_to_dict(customer, exclude=["tags"])
        row["tags"] = sorted(tag.name for tag in customer.tags.all())
        row["updated_at"] = customer.updated_at
        row["created_at"] = customer.created_at
        row["login_active"] = customer.user.is_active if customer.user else None
        rows.append(row)
    return rows


def export(client, language: str) -> bytes:
    response = client.get(EXPORT_URL, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("language", ["en", "es", "it", "pt"])
def test_export_reimported_by_the_command_changes_nothing(
    client, manager_user, customers, tmp_path, language
):
    client.force_login(manager_user)
    path = tmp_path / "customers.csv"
    path.write_bytes(export(client, language))
    assert b"'+34 610 070 912" in path.read_bytes()  # still neutralised
    before = snapshot()

    out = StringIO()
    with translation.override("en"):
        call_command("import_customers", str(path), "--update-existing", stdout=out)

    output = out.getvalue()
    assert "Created: 0, updated: 0, skipped: 3, errors: 0." in output
    # Every exported column the importer has a field for comes back (in each
    # language); the ID, the login, the confirmation, the newsletter, the tags and
    # the registration are the export's own and are not imported.
    assert output.count("→ (not imported)") == 6
    assert snapshot() == before


def test_export_reimported_through_the_wizard_changes_nothing(
    client, manager_user, customers, django_capture_on_commit_callbacks
):
    client.force_login(manager_user)
    data = export(client, "en")
    before = snapshot()

    response = client.post(
        reverse("customers:import_upload"),
        {"file": SimpleUploadedFile("customers.csv", data, "text/csv")},
    )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse(
        "customers:import_mapping", kwargs={"pk": job.pk}
    )
    preview_url = reverse("customers:import_preview", kwargs={"pk": job.pk})
    response = client.get(preview_url)
    check = response.context["check"]
    assert (check.existing, check.unchanged, check.error_rows) == (3, 3, 0)
    assert "+34 610 070 912" in response.content.decode()
    assert "&#x27;+34 610 070 912" not in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview_url, {"update_existing": "1"})

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count, job.error_count) == (0, 0, 0)
    assert snapshot() == before


@pytest.mark.parametrize(
    "text",
    [
        "+34 610 070 912",
        "=1+1",
        "-",
        "@x",
        "\tx",
        "＝x",
        "﹢x",
        "'=x",
        "''+x",
        "'x",
        "'",
        "",
        "O'Brien",
        "Ana",
    ],
)
def test_csv_cell_read_undoes_csv_cell_safe(text):
    assert csv_cell_read(csv_cell_safe(text)) == text
