"""CSV export: the staff list's export, the bulk export and the shell command."""

import csv
import io
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from core.csv_cells import csv_cell_safe
from customers import exports
from customers.models import Customer, Tag
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

URL = "/staff/customers/export/"


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would misread UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+39 333 1234567", "'+39 333 1234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Rossi", "Rossi"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_cell_safe_neutralises_formula_starts(value, expected):
    assert csv_cell_safe(value) == expected


def test_export_streams_the_filtered_list_with_bom_and_columns(manager_client):
    vip = Tag.objects.create(name="VIP")
    giulia = CustomerWithLoginFactory(
        first_name="Giulia",
        last_name="=cmd|' /C calc'!A0",
        email="giulia@example.com",
        city="Roma",
        phone="+39 06 1234",
        birth_date=date(1990, 5, 17),
        email_confirmed_at=None,
    )
    giulia.tags.add(vip, Tag.objects.create(name="Hot lead"))
    CustomerFactory(city="Milano", email="milano@example.com")

    response = manager_client.get(URL, {"city": "roma"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    header, *rows = read_csv(response)
    assert header[:4] == ["ID", "First name", "Last name", "E-mail"]
    assert "Tags" in header and "Login enabled" in header
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["ID"] == str(giulia.pk)
    assert row["Last name"] == "'=cmd|' /C calc'!A0"
    assert row["Phone"] == "'+39 06 1234"
    assert row["Birth date"] == "1990-05-17"
    assert row["Tags"] == "Hot lead, VIP"
    assert row["Login enabled"] == "yes"
    assert row["E-mail confirmed"] == "no"


def test_export_reads_customers_in_chunks(manager_client, monkeypatch):
    seen = []
    original = Customer.objects.none().iterator.__func__

    def spy(queryset, chunk_size=None):
        seen.append(chunk_size)
        return original(queryset, chunk_size=chunk_size)

    monkeypatch.setattr(type(Customer.objects.none()), "iterator", spy)
    for _ in range(3):
        CustomerFactory()

    _header, *rows = read_csv(manager_client.get(URL))

    assert len(rows) == 3
    assert seen == [exports.CHUNK_SIZE]


def test_export_needs_the_export_permission(staff_client):
    CustomerFactory()
    assert staff_client.get(URL).status_code == 403


def test_export_with_invalid_filters_goes_back_to_the_list(manager_client):
    response = manager_client.get(URL, {"tag": "nope"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/customers/?tag=nope"


def test_bulk_export_of_the_ticked_customers(manager_client):
    chosen, other = CustomerFactory(), CustomerFactory()

    response = manager_client.post(
        "/staff/customers/bulk/",
        {"action": "export", "scope": "selected", "selected": [chosen.pk]},
    )

    assert response.streaming
    _header, *rows = read_csv(response)
    assert [row[0] for row in rows] == [str(chosen.pk)]
    assert str(other.pk) not in {row[0] for row in rows}


def test_bulk_export_of_all_matching(manager_client):
    roman = CustomerFactory(city="Roma")
    CustomerFactory(city="Bari")

    response = manager_client.post(
        "/staff/customers/bulk/?city=Roma", {"action": "export", "scope": "all"}
    )

    _header, *rows = read_csv(response)
    assert [row[0] for row in rows] == [str(roman.pk)]


def test_bulk_export_needs_the_export_permission(staff_client):
    customer = CustomerFactory()
    response = staff_client.post(
        "/staff/customers/bulk/",
        {"action": "export", "scope": "selected", "selected": [customer.pk]},
    )
    assert response.status_code == 403


def test_export_permission_alone_is_enough_for_the_bulk_export(client):
    exporter = StaffFactory()
    exporter.user_permissions.add(
        Permission.objects.get(codename="view_customer"),
        Permission.objects.get(codename="export_customer"),
    )
    client.force_login(exporter)
    customer = CustomerFactory()

    response = client.post(
        "/staff/customers/bulk/",
        {"action": "export", "scope": "selected", "selected": [customer.pk]},
    )

    assert response.status_code == 200
    assert response.streaming


# The command


def test_export_command_writes_a_file_with_bom_and_filters(tmp_path):
    vip = Tag.objects.create(name="VIP")
    tagged = CustomerFactory(city="Roma", first_name="@mario")
    tagged.tags.add(vip)
    CustomerFactory(city="Roma")
    path = tmp_path / "out.csv"
    stderr = io.StringIO()

    call_command(
        "export_customers", output=str(path), city="roma", tag="vip", stderr=stderr
    )

    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[0] == "ID"
    assert [row[0] for row in rows] == [str(tagged.pk)]
    assert rows[0][1] == "'@mario"
    assert "Exported 1 customers." in stderr.getvalue()


def test_export_command_writes_to_stdout_without_bom(monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    for _ in range(5):
        CustomerFactory()
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("export_customers", stdout=stdout, stderr=stderr)

    rows = list(csv.reader(io.StringIO(stdout.getvalue())))
    assert rows[0][0] == "ID"
    assert len(rows) == 6
    assert "... 2 customers" in stderr.getvalue()
    assert "Exported 5 customers." in stderr.getvalue()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tag": "no such tag"}, "There is no tag"),
        ({"newsletter_list": "77"}, "There is no list"),
        ({"registered_from": "2025-13-40"}, "Invalid filters"),
        ({"language": "xx"}, "Invalid filters"),
    ],
)
def test_export_command_refuses_bad_filters(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_customers", stdout=io.StringIO(), **options)


def test_export_command_cannot_write_the_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "export_customers",
            output=str(tmp_path / "missing" / "out.csv"),
            stderr=io.StringIO(),
        )
