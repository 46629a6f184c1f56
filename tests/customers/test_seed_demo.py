from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from customers.management.commands.seed_demo import (
    ADMIN_EMAIL,
    CUSTOMER_EMAIL,
    DEMO_PASSWORD,
    DEMO_SOURCE,
    LOCALE_PROFILES,
    STAFF_EMAIL,
    STAFF_GROUP,
)
from customers.models import Customer

pytestmark = pytest.mark.django_db

LANGUAGE_OF_COUNTRY = {profile.country: profile.language for profile in LOCALE_PROFILES}


def seed_demo(**options) -> str:
    output = StringIO()
    call_command("seed_demo", stdout=output, **options)
    return output.getvalue()


def demo_customers_by_email() -> dict[str, tuple]:
    return {
        email.lower(): (first_name, last_name, city, country)
        for email, first_name, last_name, city, country in Customer.objects.values_list(
            "email", "first_name", "last_name", "city", "country"
        )
    }


def test_seed_demo_twice_creates_the_customers_once():
    seed_demo(customers=50)
    first_run = demo_customers_by_email()

    output = seed_demo(customers=50)

    assert Customer.objects.count() == 50
    assert Customer.objects.filter(source=DEMO_SOURCE).count() == 50
    assert demo_customers_by_email() == first_run
    assert "0 to add" in output


def test_seed_demo_tops_up_with_the_same_customers_as_a_fresh_run():
    seed_demo(customers=20)
    seed_demo(customers=50)
    topped_up = demo_customers_by_email()
    Customer.objects.exclude(email__iexact=CUSTOMER_EMAIL).delete()

    seed_demo(customers=50, batch_size=7)

    assert Customer.objects.count() == 50
    assert demo_customers_by_email() == topped_up


def test_seed_demo_customers_look_real():
    seed_demo(customers=200)
    customers = list(Customer.objects.exclude(email__iexact=CUSTOMER_EMAIL))

    assert {customer.country for customer in customers} >= {"IT", "ES", "BR", "GB"}
    for customer in customers:
        assert customer.email.isascii()
        assert customer.email.endswith(("example.com", "example.org", "example.net"))
        assert customer.language == LANGUAGE_OF_COUNTRY[customer.country]
        assert customer.first_name and customer.last_name and customer.city
        assert customer.created_at <= customer.updated_at
    assert any(customer.company_name and customer.vat_number for customer in customers)
    assert any(customer.newsletter_subscribed for customer in customers)
    registered = sorted(customer.created_at for customer in customers)
    assert (registered[-1] - registered[0]).days > 2 * 365


def test_seed_demo_logins_work(client):
    output = seed_demo(customers=5)
    seed_demo(customers=5)
    request = RequestFactory().post("/staff/login/")

    for email in (ADMIN_EMAIL, STAFF_EMAIL, CUSTOMER_EMAIL):
        assert email in output
        assert authenticate(request, username=email, password=DEMO_PASSWORD)
    staff = authenticate(request, username=STAFF_EMAIL, password=DEMO_PASSWORD)
    assert staff.is_staff
    assert staff.groups.filter(name=STAFF_GROUP).exists()

    assert client.login(username=STAFF_EMAIL, password=DEMO_PASSWORD)
    assert client.get("/staff/customers/").status_code == 200
    client.logout()
    response = client.post(
        "/account/login/", {"username": CUSTOMER_EMAIL, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_seed_demo_shows_progress_per_batch():
    output = seed_demo(customers=25, batch_size=10)

    assert "10 / 24 new customers" in output
    assert "24 / 24 new customers" in output
