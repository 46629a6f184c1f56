"""A service bought from the catalog is named in the customer's language: on
"My expirations" and in the reminder and expiry e-mails (their preferred one)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import SentEmail
from core.services import email_render
from expirations.models import ExpirationSettings
from expirations.services.jobs import expirations_run_due
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory

# The daily job runs on the embedded default too: make test-sqlite runs this.
pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

D = date(2026, 6, 30)


@pytest.fixture
def hosting():
    return ServiceProductFactory(
        name="Web hosting", name_translations={"it": "Hosting web"}
    )


@pytest.mark.parametrize(
    ("language", "name"), [("it", "Hosting web"), ("es", "Web hosting")]
)
def test_my_expirations_names_the_product_in_the_customers_language(
    client, hosting, language, name
):
    customer = CustomerWithLoginFactory(language=language)
    ExpirationFactory(
        customer=customer,
        product=hosting,
        expiry_date=timezone.localdate() + timedelta(days=20),
    )
    client.force_login(customer.user)

    html = client.get("/account/expirations/").content.decode()

    assert name in html
    assert ({"Hosting web", "Web hosting"} - {name}).pop() not in html


@pytest.mark.parametrize(
    ("language", "name"),
    [("it", "Hosting web"), ("pt", "Web hosting"), ("", "Web hosting")],
)
def test_reminder_and_expiry_emails_name_the_product_in_the_customers_language(
    hosting, language, name
):
    customer = CustomerFactory(language=language)
    ExpirationFactory(customer=customer, product=hosting, expiry_date=D)

    expirations_run_due(D - timedelta(days=1))
    expirations_run_due(D + timedelta(days=1))

    for template in ("expirations_reminder", "expirations_expired"):
        sent = SentEmail.objects.filter(template=template).first()
        assert sent is not None, template
        assert sent.context["item"] == name
        assert name in email_render(sent).body


def test_the_reminder_job_reads_the_names_without_a_query_per_expiration(hosting):
    def run_for(count: int, expiry: date) -> int:
        for _ in range(count):
            ExpirationFactory(
                customer=CustomerFactory(language="it"),
                product=hosting,
                expiry_date=expiry,
            )
        with CaptureQueriesContext(connection) as queries:
            expirations_run_due(expiry - timedelta(days=1))
        return len(queries.captured_queries)

    ExpirationSettings.load()  # created once, before the counting
    few = run_for(1, D)
    many = run_for(6, D - timedelta(days=120))  # far before: D is not due then

    assert many == few
    assert set(
        SentEmail.objects.filter(template="expirations_reminder").values_list(
            "context__item", flat=True
        )
    ) == {"Hosting web"}
