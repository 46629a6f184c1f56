"""The staff customer list: filters, the tag column, queries per page."""

from datetime import datetime

import pytest
from django.utils import timezone

from core.models import User
from customers.models import Customer, NewsletterList, Subscription, Tag
from tests.core.factories import UserFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

URL = "/staff/customers/"


def names(response) -> set[str]:
    return {row.record.email for row in response.context["table"].page.object_list}


def registered(customer, year, month, day, hour=12):
    moment = timezone.make_aware(datetime(year, month, day, hour))
    Customer.objects.filter(pk=customer.pk).update(created_at=moment)


def test_filter_tag_shows_only_tagged_customers_once(staff_client):
    vip, hot = Tag.objects.create(name="VIP"), Tag.objects.create(name="Hot lead")
    both = CustomerFactory(email="both@example.com")
    both.tags.add(vip, hot)
    only_hot = CustomerFactory(email="hot@example.com")
    only_hot.tags.add(hot)
    CustomerFactory(email="none@example.com")

    response = staff_client.get(URL, {"tag": hot.pk})

    assert response.status_code == 200
    rows = list(response.context["table"].page.object_list)
    emails = sorted(row.record.email for row in rows)
    assert emails == ["both@example.com", "hot@example.com"]


def test_filter_newsletter_list_counts_active_subscriptions_only(staff_client):
    news = NewsletterList.objects.create(name="News")
    active = CustomerFactory(email="active@example.com")
    left = CustomerFactory(email="left@example.com")
    now = timezone.now()
    Subscription.objects.create(
        customer=active, newsletter_list=news, subscribed_at=now, source="staff"
    )
    Subscription.objects.create(
        customer=left,
        newsletter_list=news,
        subscribed_at=now,
        unsubscribed_at=now,
        source="staff",
    )

    response = staff_client.get(URL, {"newsletter_list": news.pk})

    assert names(response) == {"active@example.com"}


def test_filter_login_enabled_yes_and_no(staff_client):
    with_login = CustomerWithLoginFactory(email="login@example.com")
    disabled = CustomerWithLoginFactory(email="off@example.com")
    disabled.user.is_active = False
    disabled.user.save()
    CustomerFactory(email="never@example.com")

    assert names(staff_client.get(URL, {"login": "yes"})) == {with_login.email}
    assert names(staff_client.get(URL, {"login": "no"})) == {
        "off@example.com",
        "never@example.com",
    }


def test_filter_email_confirmed(staff_client):
    CustomerFactory(email="sure@example.com", email_confirmed_at=timezone.now())
    CustomerFactory(email="unsure@example.com")

    assert names(staff_client.get(URL, {"email_confirmed": "yes"})) == {
        "sure@example.com"
    }
    assert names(staff_client.get(URL, {"email_confirmed": "no"})) == {
        "unsure@example.com"
    }


def test_filter_registration_range_includes_both_end_days(staff_client):
    before, first, last, after = (CustomerFactory() for _ in range(4))
    registered(before, 2025, 3, 9, hour=23)
    registered(first, 2025, 3, 10, hour=0)
    registered(last, 2025, 3, 12, hour=23)
    registered(after, 2025, 3, 13, hour=0)

    response = staff_client.get(
        URL, {"registered_from": "2025-03-10", "registered_to": "2025-03-12"}
    )

    assert names(response) == {first.email, last.email}


def test_filter_registration_range_backwards_is_an_error_next_to_the_field(
    staff_client,
):
    CustomerFactory()

    response = staff_client.get(
        URL, {"registered_from": "2025-03-12", "registered_to": "2025-03-10"}
    )

    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    assert "registered_to" in errors
    assert names(response) == set()
    assert "The end date is before the start date" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"tag": "abc"},
        {"tag": "999999"},
        {"newsletter_list": "x"},
        {"login": "maybe"},
        {"registered_from": "2025-02-30"},
        {"email_confirmed": "<script>"},
    ],
)
def test_filter_invalid_values_give_a_message_not_a_500(staff_client, params):
    CustomerFactory()

    response = staff_client.get(URL, params)

    assert response.status_code == 200
    assert response.context["filter"].form.errors
    assert names(response) == set()
    assert 'class="field-error"' in response.content.decode()


def test_filters_combine_city_and_tag(staff_client):
    vip = Tag.objects.create(name="VIP")
    match = CustomerFactory(city="Roma")
    match.tags.add(vip)
    CustomerFactory(city="Roma")
    milan = CustomerFactory(city="Milano")
    milan.tags.add(vip)

    response = staff_client.get(URL, {"city": "roma", "tag": vip.pk})

    assert names(response) == {match.email}
    html = response.content.decode()
    # The filters stay in the page's links (sorting, page size, export, bulk form),
    # and "Clear" goes back to the list without them.
    assert f"/staff/customers/bulk/?city=roma&amp;tag={vip.pk}" in html
    assert f"?city=roma&amp;tag={vip.pk}&amp;per_page=50" in html
    assert '<a href="/staff/customers/" class="button-secondary">Clear</a>' in html


def test_list_shows_tag_badges_escaped(staff_client):
    tag = Tag.objects.create(name="<b>VIP</b>", colour="#ffcc00")
    customer = CustomerFactory()
    customer.tags.add(tag)

    html = staff_client.get(URL).content.decode()

    assert "&lt;b&gt;VIP&lt;/b&gt;" in html
    assert "<b>VIP</b>" not in html
    assert 'data-colour="#ffcc00" data-text-colour="#111111"' in html


@pytest.mark.parametrize("params", [{}, {"tag": "1", "city": "Roma"}])
def test_list_queries_do_not_grow_with_the_page_size(
    client, django_assert_num_queries, params
):
    from tests.core.factories import StaffFactory

    staff = StaffFactory(groups=["Manager"])
    client.force_login(staff)
    tag = Tag.objects.create(name="VIP", pk=1)
    users = User.objects.bulk_create(
        User(email=f"login{index}@example.com", password="!") for index in range(60)
    )
    customers = Customer.objects.bulk_create(
        Customer(
            email=f"c{index}@example.com",
            city="Roma",
            user=users[index] if index < len(users) else None,
        )
        for index in range(120)
    )
    tag.customers.add(*customers)
    client.get(URL)  # warm up sessions, content types, permissions caches

    counts = []
    for per_page in (25, 100):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            response = client.get(URL, {**params, "per_page": per_page})
        assert response.status_code == 200
        assert len(response.context["table"].page.object_list) == per_page
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        client.get(URL, {**params, "per_page": 50})


def test_list_needs_view_permission(client):
    from tests.core.factories import StaffFactory

    client.force_login(StaffFactory())
    assert client.get(URL).status_code == 403
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("name", ["Alpha", "Beta", "Gamma"]), ("-name", ["Gamma", "Beta", "Alpha"])],
)
def test_list_sorts_by_the_column_asked_for(staff_client, sort, expected):
    for last_name in ("Beta", "Gamma", "Alpha"):
        CustomerFactory(last_name=last_name)

    response = staff_client.get(URL, {"sort": sort})

    rows = response.context["table"].page.object_list
    assert [row.record.last_name for row in rows] == expected


@pytest.mark.parametrize("sort", ["tags", "selected", "password", "<script>"])
def test_list_ignores_a_sort_it_does_not_offer(staff_client, sort):
    first, second = CustomerFactory(), CustomerFactory()

    response = staff_client.get(URL, {"sort": sort})

    assert response.status_code == 200
    rows = response.context["table"].page.object_list
    assert [row.record.pk for row in rows] == [second.pk, first.pk]
