"""The customer search: every word, any order, accents and case aside (issue 11 §2.3).

Marked both_dbs: the column is filled by hand-written SQL on PostgreSQL (COPY, the
import's UPDATE, the data migration) and by the ORM on SQLite, and searched with LIKE
on both.
"""

import importlib
import io
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.text import search_text_normalise, text_fold
from customers.models import Customer
from customers.search import (
    SEARCH_MAX_TERMS,
    SEARCH_TEXT_SOURCES,
    customer_search_q,
    customer_search_text,
    search_terms,
)
from customers.services import imports
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

LIST = "/staff/customers/"


@pytest.fixture
def belen(db):
    return CustomerFactory(
        first_name="Belén",
        last_name="Bermejo Céspedes",
        email="b.cespedes@x.es",
        phone="+34 600-123-456",
        mobile="",
    )


@pytest.fixture
def others(db):
    return [
        CustomerFactory(
            first_name="Belén",
            last_name="García",
            email="bgarcia@example.com",
            phone="+34 911 222 333",
            mobile="",
        ),
        CustomerFactory(
            first_name="Marco",
            last_name="Bermejo",
            email="marco@example.it",
            phone="",
            mobile="333 123 4567",
        ),
        CustomerFactory(
            first_name="Cesare",
            last_name="Pedes",
            email="cesare@example.it",
            phone="",
            mobile="",
        ),
    ]


def listed(client, query: str) -> list[str]:
    response = client.get(LIST, {"q": query})
    assert response.status_code == 200
    return [row.record.email for row in response.context["table"].page.object_list]


def found(query: str) -> list[str]:
    return list(
        Customer.objects.filter(customer_search_q(query))
        .order_by("email")
        .values_list("email", flat=True)
    )


# --- The folding, without a database ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Belén Bermejo Céspedes", "belen bermejo cespedes"),
        ("BELÉN", "belen"),
        ("Straße", "strasse"),
        ("Øystein Łukasz Ærø", "oystein lukasz aero"),
        ("İstanbul", "istanbul"),
        ("Jean-Luc O'Brien", "jean luc o brien"),
        ("  J.R.  Ewing,  jr ", "j.r ewing jr"),
        ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
        ("Ελένη", "ελενη"),  # other scripts: no accents, lower case
    ],
)
def test_search_text_normalise_folds_accents_case_and_separators(text, folded):
    assert search_text_normalise(text) == folded


def test_text_fold_keeps_an_email_whole():
    assert text_fold("B.Céspedes+news@X.es") == "b.cespedes+news@x.es"


def test_customer_search_text_holds_names_email_words_domain_and_phone_digits():
    text = customer_search_text(
        first_name="Belén",
        last_name="Bermejo Céspedes",
        email="B.Cespedes@X.es",
        phone="+34 600-123-456",
        mobile="(333) 12 34",
    )
    assert text == (
        " belen bermejo cespedes b.cespedes@x.es b @x.es 34600123456 3331234"
    )


@pytest.mark.parametrize(
    ("typed", "terms"),
    [
        ("  ", []),
        ("BELÉN   Céspedes", [("belen", False), ("cespedes", False)]),
        ("+34 600-123 456", [("34600123456", True)]),
        ("belen 600", [("belen", False), ("600", True)]),
        ("be belen", [("belen", False)]),  # "belen…" starts with "be" already
        ("12", [("12", False)]),  # too short to look for anywhere
        ("B.Cespedes@", [("b.cespedes@", False)]),
    ],
)
def test_search_terms(typed, terms):
    assert [(term.text, term.anywhere) for term in search_terms(typed)] == terms


def test_search_terms_are_bounded():
    typed = " ".join(f"word{number}x" for number in range(30))
    assert len(search_terms(typed)) == SEARCH_MAX_TERMS


# --- The staff list ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "Céspedes",
        "cespedes",
        "CESPEDES",
        "Belén Céspedes",
        "Céspedes Belén",  # any order
        "BELÉN bermejo",
        "belen bermejo",
        "Bermejo Céspedes",
        "bel ces",  # the start of each word
        "600 123",
        "600123456",
        "+34 600-123-456",
        "b.cespedes@",
        "b.cespedes@x.es",
        "B.CESPEDES",
    ],
)
def test_customer_list_finds_every_word_whatever_accents_and_case(
    staff_client, belen, others, query
):
    assert listed(staff_client, query) == ["b.cespedes@x.es"]


@pytest.mark.parametrize(
    "query", ["Belén García Céspedes", "Céspedes García", "espedes", "cespedesx"]
)
def test_customer_list_finds_nothing_when_a_word_does_not_match(
    staff_client, belen, others, query
):
    assert listed(staff_client, query) == []


def test_customer_list_search_matches_each_customer_of_a_shared_word(
    staff_client, belen, others
):
    assert sorted(listed(staff_client, "belén")) == [
        "b.cespedes@x.es",
        "bgarcia@example.com",
    ]
    assert sorted(listed(staff_client, "Bermejo")) == [
        "b.cespedes@x.es",
        "marco@example.it",
    ]
    assert listed(staff_client, "Belén García") == ["bgarcia@example.com"]


def test_customer_list_search_reads_the_email_by_word_and_by_domain(
    staff_client, belen, others
):
    marco = CustomerFactory(first_name="", last_name="", email="anna.rossi.7@mail.it")
    assert listed(staff_client, "rossi") == [marco.email]
    assert listed(staff_client, "anna.rossi") == [marco.email]
    assert sorted(listed(staff_client, "@example.it")) == [
        "cesare@example.it",
        "marco@example.it",
    ]


def test_customer_list_search_finds_the_mobile_too(staff_client, belen, others):
    assert listed(staff_client, "123 4567") == ["marco@example.it"]


def test_customer_list_search_treats_like_wildcards_as_text(staff_client, belen):
    CustomerFactory(first_name="100%", last_name="Real", email="real@example.com")
    # Nothing but separators: nobody (not everybody).
    assert listed(staff_client, "%") == []
    assert listed(staff_client, "_ -") == []
    assert listed(staff_client, "100%") == ["real@example.com"]


def test_customer_list_search_too_long_says_why_and_lists_nobody(staff_client, belen):
    response = staff_client.get(LIST, {"q": "belen " * 50})
    assert "Ensure this value has at most 200 characters" in response.content.decode()
    assert list(response.context["table"].page.object_list) == []


def test_customer_list_search_keeps_its_query_count(
    staff_client, belen, django_assert_num_queries
):
    staff_client.get(LIST, {"q": "belen"})  # warms the session and content types
    with CaptureQueriesContext(connection) as one_match:
        assert len(listed(staff_client, "belen")) == 1
    for number in range(20):
        CustomerFactory(first_name="Belén", email=f"belen{number}@example.com")
    with django_assert_num_queries(len(one_match.captured_queries)):
        assert len(listed(staff_client, "belen")) == 21


# --- What writes the column -------------------------------------------------------


def test_customer_save_with_update_fields_keeps_search_text_in_step(belen):
    belen.first_name = "Inés"
    belen.save(update_fields=["first_name"])
    assert found("ines cespedes") == ["b.cespedes@x.es"]
    assert found("belen cespedes") == []
    belen.city = "Ávila"
    belen.save(update_fields=["city"])  # not a search field: search_text untouched
    belen.refresh_from_db()
    assert belen.search_text.startswith(" ines bermejo cespedes")


def test_editing_the_name_on_the_card_updates_the_search(client, belen):
    client.force_login(StaffFactory(groups=["Staff"]))
    response = client.post(
        f"/staff/customers/{belen.pk}/",
        {
            "first_name": "Belén",
            "last_name": "Núñez",
            "email": belen.email,
            "phone": "+34 699 999 999",
            "language": "es",
            "country": "ES",
        },
    )
    assert response.status_code == 302
    assert listed(client, "nunez belen") == ["b.cespedes@x.es"]
    assert listed(client, "699999") == ["b.cespedes@x.es"]
    assert listed(client, "bermejo belen") == []
    assert listed(client, "600123") == []


def test_admin_search_is_the_same_search(admin_client, belen, others):
    response = admin_client.get("/admin/customers/customer/", {"q": "BELÉN céspedes"})
    assert response.status_code == 200
    assert [customer.email for customer in response.context["cl"].result_list] == [
        "b.cespedes@x.es"
    ]


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def import_run(data: bytes, *, update_existing=False):
    job = imports.import_job_create(file=io.BytesIO(data), original_name="c.csv")
    imports.import_job_start(job=job, update_existing=update_existing, enqueue=False)
    return imports.import_job_run(job_id=job.pk)


@pytest.mark.usefixtures("_media")
def test_imported_customers_are_found_without_accents():
    job = import_run(
        "email;first_name;last_name;phone\n"
        "b.cespedes@x.es;Belén;Bermejo Céspedes;+34 600 123 456\n"
        "a.nunez@x.es;Álvaro;Núñez;\n".encode()
    )
    assert job.created_count == 2
    assert found("belen cespedes") == ["b.cespedes@x.es"]
    assert found("ALVARO NUNEZ") == ["a.nunez@x.es"]
    assert found("600 123") == ["b.cespedes@x.es"]


@pytest.mark.usefixtures("_media")
def test_import_updating_a_name_updates_the_search(belen):
    job = import_run(
        b"email,last_name\nB.Cespedes@x.es,Ib\xc3\xa1\xc3\xb1ez\n", update_existing=True
    )
    assert job.updated_count == 1
    assert found("belen ibanez") == ["b.cespedes@x.es"]
    assert found("bermejo") == []
    assert found("600123") == ["b.cespedes@x.es"]  # the phone was kept


def test_seed_demo_customers_are_found_without_accents():
    call_command("seed_demo", customers=30, stdout=StringIO())
    demo = list(Customer.objects.filter(source="demo"))
    assert len(demo) == 30
    for customer in demo:
        assert customer.search_text == customer_search_text(
            **{name: getattr(customer, name) for name in SEARCH_TEXT_SOURCES}
        )
    accented = next(c for c in demo if text_fold(c.last_name) != c.last_name.lower())
    typed = f"{text_fold(accented.last_name).upper()} {accented.first_name}"
    assert accented.email in found(typed)


def test_data_migration_fills_existing_rows_in_batches(monkeypatch, belen, others):
    migration = importlib.import_module(
        "customers.migrations.0015_customer_search_text_fill"
    )
    monkeypatch.setattr(migration, "BATCH_SIZE", 2)
    Customer.objects.update(search_text="")  # as after the column was added
    assert found("bermejo") == []
    # The function reads only the editor's connection (SQLite refuses a real schema
    # editor inside the test's transaction).
    migration.search_text_fill(apps, SimpleNamespace(connection=connection))
    assert found("Belén Céspedes") == ["b.cespedes@x.es"]
    for customer in Customer.objects.all():
        assert customer.search_text == customer_search_text(
            **{name: getattr(customer, name) for name in SEARCH_TEXT_SOURCES}
        )


def test_postgresql_keeps_finer_statistics_for_the_search_column():
    """Migration 0017: a rare word is estimated well enough for the trigram index."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'customers_customer'::regclass "
            "AND attname = 'search_text'"
        )
        assert cursor.fetchone()[0] == 1000
