from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from core import plugins
from customers.management.commands.seed_demo import (
    ADMIN_EMAIL,
    CUSTOMER_EMAIL,
    DEMO_LISTS,
    DEMO_PASSWORD,
    DEMO_SOURCE,
    DEMO_TAGS,
    LOCALE_PROFILES,
    STAFF_EMAIL,
    STAFF_GROUP,
    demo_draw,
)
from customers.models import Customer, NewsletterList, Subscription, Tag

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


@pytest.fixture
def without_module_seeders(monkeypatch):
    """seed_demo as with no module installed: customers, tags and lists only (and
    customers without ledger entries can be deleted again)."""
    monkeypatch.setattr(plugins, "demo_seeders", plugins.Registry("demo seeders"))


@pytest.mark.usefixtures("without_module_seeders")
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


def marketing_rows() -> tuple[set, set]:
    links = set(Customer.tags.through.objects.values_list("customer_id", "tag_id"))
    subscriptions = set(
        Subscription.objects.values_list(
            "customer_id", "newsletter_list_id", "subscribed_at", "unsubscribed_at"
        )
    )
    return links, subscriptions


@pytest.mark.usefixtures("without_module_seeders")
def test_seed_demo_tags_customers_and_subscribes_those_who_accept_the_newsletter():
    seed_demo(customers=400)

    assert set(Tag.objects.values_list("name", flat=True)) == {
        tag.name for tag in DEMO_TAGS
    }
    assert set(NewsletterList.objects.values_list("name", flat=True)) == {
        demo_list.name for demo_list in DEMO_LISTS
    }
    tagged = Customer.objects.filter(tags__name="Returning customer").count()
    assert 60 <= tagged <= 140  # 25 % of 400
    assert Customer.objects.filter(tags__isnull=False).distinct().count() > 100
    subscribers = Customer.objects.filter(subscriptions__isnull=False).distinct()
    assert subscribers.count() > 50
    assert not subscribers.filter(newsletter_subscribed=False).exists()
    for subscription in Subscription.objects.select_related("customer"):
        assert subscription.subscribed_at >= subscription.customer.created_at
        if subscription.unsubscribed_at is not None:
            assert subscription.unsubscribed_at >= subscription.subscribed_at
    assert Subscription.objects.filter(unsubscribed_at__isnull=False).exists()
    assert Subscription.objects.filter(source=Subscription.Source.SIGNUP).exists()


@pytest.mark.usefixtures("without_module_seeders")
def test_seed_demo_twice_adds_no_tags_or_subscriptions():
    seed_demo(customers=150)
    first = marketing_rows()

    output = seed_demo(customers=150)

    assert marketing_rows() == first
    assert "0 tags and 0 newsletter subscriptions added" in output
    assert Tag.objects.count() == len(DEMO_TAGS)


@pytest.mark.usefixtures("without_module_seeders")
def test_seed_demo_topped_up_only_gives_the_new_customers_their_tags():
    seed_demo(customers=60)
    links, _subscriptions = marketing_rows()
    seed_demo(customers=120)

    new_links, _ = marketing_rows()

    assert links < new_links
    new_customers = {customer_id for customer_id, _tag in new_links - links}
    assert new_customers.isdisjoint({customer_id for customer_id, _tag in links})


@pytest.mark.usefixtures("without_module_seeders")
def test_seed_demo_reuses_a_tag_staff_already_made_and_skips_archived_lists():
    existing = Tag.objects.create(name="vip", colour="#000000")
    NewsletterList.objects.create(name="Partner offers", archived=True)

    seed_demo(customers=200)

    assert Tag.objects.filter(name__iexact="vip").get() == existing
    assert not Subscription.objects.filter(
        newsletter_list__name="Partner offers"
    ).exists()


def test_demo_draw_is_stable_and_spread():
    draws = [demo_draw(2026, customer_id, 0) for customer_id in range(1, 5001)]

    assert draws == [demo_draw(2026, customer_id, 0) for customer_id in range(1, 5001)]
    assert all(0 <= draw < 1000 for draw in draws)
    assert 400 <= sum(draw < 100 for draw in draws) <= 600  # about 10 %
    assert draws != [demo_draw(2027, customer_id, 0) for customer_id in range(1, 5001)]
