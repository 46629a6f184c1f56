"""Bulk actions of the staff customer list, and the marketing services under them."""

import pytest
from django.utils import timezone

from customers.models import (
    Customer,
    CustomerEvent,
    NewsletterList,
    Subscription,
    Tag,
)
from customers.services import marketing
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/staff/customers/bulk/"


@pytest.fixture
def tag():
    return Tag.objects.create(name="VIP", colour="#aa0000")


@pytest.fixture
def news():
    return NewsletterList.objects.create(name="News")


def tagged_ids(tag):
    return set(tag.customers.values_list("pk", flat=True))


def active_ids(newsletter_list):
    return set(
        Subscription.objects.filter(
            newsletter_list=newsletter_list, unsubscribed_at__isnull=True
        ).values_list("customer_id", flat=True)
    )


# Services


def test_tag_assign_adds_once_and_records_one_event_per_changed_customer(tag):
    staff = StaffFactory()
    first, second = CustomerFactory(), CustomerFactory()
    first.tags.add(tag)

    changed = marketing.tag_assign(
        tag=tag, customer_ids=[first.pk, second.pk], actor=staff
    )

    assert changed == 1
    assert tagged_ids(tag) == {first.pk, second.pk}
    events = CustomerEvent.objects.filter(kind=CustomerEvent.Kind.TAG_ADDED)
    assert [(e.customer_id, e.detail, e.actor_id) for e in events] == [
        (second.pk, "VIP", staff.pk)
    ]
    assert marketing.tag_assign(tag=tag, customer_ids=[second.pk]) == 0


def test_tag_unassign_removes_and_records_only_real_changes(tag):
    first, second = CustomerFactory(), CustomerFactory()
    first.tags.add(tag)

    changed = marketing.tag_unassign(tag=tag, customer_ids=[first.pk, second.pk])

    assert changed == 1
    assert tagged_ids(tag) == set()
    assert list(
        CustomerEvent.objects.filter(kind=CustomerEvent.Kind.TAG_REMOVED).values_list(
            "customer_id", flat=True
        )
    ) == [first.pk]


def test_tag_assign_works_in_batches(tag, monkeypatch):
    monkeypatch.setattr(marketing, "BATCH_SIZE", 2)
    customers = [CustomerFactory() for _ in range(5)]

    changed = marketing.tag_assign(tag=tag, customer_ids=[c.pk for c in customers])

    assert changed == 5
    assert tagged_ids(tag) == {c.pk for c in customers}
    assert CustomerEvent.objects.filter(kind="tag_added").count() == 5


def test_newsletter_list_subscribe_creates_and_reactivates(news):
    staff = StaffFactory()
    new, returning, already = CustomerFactory(), CustomerFactory(), CustomerFactory()
    earlier = timezone.now() - timezone.timedelta(days=30)
    Subscription.objects.create(
        customer=returning,
        newsletter_list=news,
        subscribed_at=earlier,
        unsubscribed_at=earlier,
        source="customer",
    )
    Subscription.objects.create(
        customer=already, newsletter_list=news, subscribed_at=earlier, source="signup"
    )

    changed = marketing.newsletter_list_subscribe(
        newsletter_list=news,
        customer_ids=[new.pk, returning.pk, already.pk],
        actor=staff,
        source=Subscription.Source.BULK,
    )

    assert changed == 2
    assert active_ids(news) == {new.pk, returning.pk, already.pk}
    back = Subscription.objects.get(customer=returning)
    assert back.unsubscribed_at is None
    assert back.subscribed_at > earlier
    assert back.source == "bulk"
    assert back.changed_by == staff
    assert Subscription.objects.get(customer=already).source == "signup"
    assert set(
        CustomerEvent.objects.filter(kind="subscribed").values_list(
            "customer_id", flat=True
        )
    ) == {new.pk, returning.pk}


def test_newsletter_list_subscribe_refuses_an_archived_list(news):
    from django.core.exceptions import ValidationError

    news.archived = True
    news.save()
    customer = CustomerFactory()

    with pytest.raises(ValidationError, match="archived"):
        marketing.newsletter_list_subscribe(
            newsletter_list=news, customer_ids=[customer.pk]
        )
    assert not Subscription.objects.exists()


def test_newsletter_list_unsubscribe_updates_active_rows_only(news):
    staff = StaffFactory()
    member, outsider = CustomerFactory(), CustomerFactory()
    Subscription.objects.create(
        customer=member,
        newsletter_list=news,
        subscribed_at=timezone.now(),
        source="signup",
    )

    changed = marketing.newsletter_list_unsubscribe(
        newsletter_list=news, customer_ids=[member.pk, outsider.pk], actor=staff
    )

    assert changed == 1
    row = Subscription.objects.get(customer=member)
    assert row.unsubscribed_at is not None
    assert row.changed_by == staff
    assert not Subscription.objects.filter(customer=outsider).exists()
    assert CustomerEvent.objects.filter(
        kind="unsubscribed", customer=member, detail="News"
    ).exists()


# The bulk view


def post(client, data, query=""):
    return client.post(URL + (f"?{query}" if query else ""), data)


def test_bulk_add_tag_to_selected_customers(staff_client, staff_user, tag):
    first, second, other = CustomerFactory(), CustomerFactory(), CustomerFactory()

    response = post(
        staff_client,
        {
            "action": "add_tag",
            "tag": tag.pk,
            "scope": "selected",
            "selected": [first.pk, second.pk],
        },
        query="city=&per_page=50",
    )

    assert response.status_code == 302
    assert response["Location"] == "/staff/customers/?city=&per_page=50"
    assert tagged_ids(tag) == {first.pk, second.pk}
    assert other.pk not in tagged_ids(tag)
    assert CustomerEvent.objects.filter(kind="tag_added", actor=staff_user).count() == 2


def test_bulk_remove_tag_from_all_matching_the_filters(staff_client, tag):
    roman, milanese = CustomerFactory(city="Roma"), CustomerFactory(city="Milano")
    tag.customers.add(roman, milanese)

    response = post(
        staff_client,
        {"action": "remove_tag", "tag": tag.pk, "scope": "all"},
        query="city=roma",
    )

    assert response.status_code == 302
    assert tagged_ids(tag) == {milanese.pk}


def test_bulk_subscribe_and_unsubscribe_all_matching(staff_client, news):
    vip = Tag.objects.create(name="Gold")
    chosen = [CustomerFactory() for _ in range(3)]
    vip.customers.add(*chosen)
    CustomerFactory()

    post(
        staff_client,
        {"action": "subscribe", "newsletter_list": news.pk, "scope": "all"},
        query=f"tag={vip.pk}",
    )
    assert active_ids(news) == {c.pk for c in chosen}
    assert set(Subscription.objects.values_list("source", flat=True)) == {"bulk"}

    post(
        staff_client,
        {
            "action": "unsubscribe",
            "newsletter_list": news.pk,
            "scope": "selected",
            "selected": [chosen[0].pk],
        },
    )
    assert active_ids(news) == {chosen[1].pk, chosen[2].pk}


def test_bulk_all_matching_past_the_cap_runs_in_the_background(
    staff_client, tag, monkeypatch, django_capture_on_commit_callbacks
):
    from customers.views import bulk

    monkeypatch.setattr(bulk, "INLINE_LIMIT", 2)
    customers = [CustomerFactory(city="Roma") for _ in range(4)]
    CustomerFactory(city="Milano")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            staff_client,
            {"action": "add_tag", "tag": tag.pk, "scope": "all"},
            query="city=Roma",
        )

    assert response.status_code == 302
    assert tagged_ids(tag) == {c.pk for c in customers}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"action": "add_tag", "tag": "999999"}, "tag", "does not exist"),
        ({"action": "add_tag", "tag": "abc"}, "tag", "does not exist"),
        ({"action": "add_tag"}, "tag", "Pick the tag"),
        ({"action": "subscribe", "newsletter_list": "42"}, "newsletter_list", "exist"),
        ({"action": "subscribe"}, "newsletter_list", "Pick the list"),
        (
            {"action": "add_tag", "tag": "VALID", "selected": ["1; DROP"]},
            "selected",
            "not valid",
        ),
        (
            {"action": "add_tag", "tag": "VALID", "selected": []},
            "scope",
            "Tick at least one",
        ),
        (
            {"action": "add_tag", "tag": "VALID", "selected": ["99999999"]},
            "scope",
            "do not exist",
        ),
        ({"action": "launch_rockets"}, "action", "Select a valid choice"),
    ],
)
def test_bulk_bad_input_changes_nothing_and_says_why(
    staff_client, tag, data, field, message
):
    customer = CustomerFactory()
    payload = {"scope": "selected", "selected": [customer.pk], **data}
    if payload.get("tag") == "VALID":
        payload["tag"] = tag.pk

    response = post(staff_client, payload)

    assert response.status_code == 400
    form = response.context["bulk_form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode()
    assert not tag.customers.exists()
    assert not Subscription.objects.exists()
    assert not CustomerEvent.objects.exists()


def test_bulk_subscribe_to_an_archived_list_is_refused(staff_client, news):
    news.archived = True
    news.save()
    customer = CustomerFactory()

    response = post(
        staff_client,
        {
            "action": "subscribe",
            "newsletter_list": news.pk,
            "scope": "selected",
            "selected": [customer.pk],
        },
    )

    assert response.status_code == 400
    assert "archived" in " ".join(
        response.context["bulk_form"].errors["newsletter_list"]
    )
    assert not Subscription.objects.exists()


def test_bulk_all_with_invalid_filters_changes_nothing(staff_client, tag):
    CustomerFactory()

    response = post(
        staff_client,
        {"action": "add_tag", "tag": tag.pk, "scope": "all"},
        query="registered_from=2025-05-01&registered_to=2025-01-01",
    )

    assert response.status_code == 400
    assert "scope" in response.context["bulk_form"].errors
    assert not tag.customers.exists()


def test_bulk_keeps_ticked_rows_ticked_after_an_error(staff_client, tag):
    customer = CustomerFactory()

    response = post(
        staff_client,
        {"action": "add_tag", "scope": "selected", "selected": [customer.pk]},
    )

    assert response.status_code == 400
    html = response.content.decode()
    checkbox = f'value="{customer.pk}" form="customer-bulk"'
    assert checkbox in html
    # The row's own checkbox (the filters' options may carry the same value).
    assert "checked" in html.split(checkbox)[1][:80]


def test_bulk_tag_actions_need_change_permission(client, tag):
    viewer = StaffFactory()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(
        Permission.objects.get(codename="view_customer"),
        Permission.objects.get(codename="export_customer"),
    )
    client.force_login(viewer)
    customer = CustomerFactory()

    for action in ("add_tag", "remove_tag", "subscribe", "unsubscribe"):
        response = post(
            client,
            {
                "action": action,
                "tag": tag.pk,
                "scope": "selected",
                "selected": [customer.pk],
            },
        )
        assert response.status_code == 403, action
    assert not tag.customers.exists()


def test_bulk_form_is_hidden_without_any_bulk_permission(client):
    viewer = StaffFactory()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(viewer)
    CustomerFactory()

    response = client.get("/staff/customers/")

    assert response.status_code == 200
    assert response.context["bulk_form"] is None
    assert 'name="selected"' not in response.content.decode()
    assert post(client, {"action": "export", "scope": "all"}).status_code == 403


def test_bulk_form_offers_only_permitted_actions(staff_client, manager_user, client):
    CustomerFactory()
    staff_actions = dict(
        staff_client.get("/staff/customers/")
        .context["bulk_form"]
        .fields["action"]
        .choices
    )
    assert "export" not in staff_actions
    assert "add_tag" in staff_actions

    client.force_login(manager_user)
    manager_actions = dict(
        client.get("/staff/customers/").context["bulk_form"].fields["action"].choices
    )
    assert "export" in manager_actions


def test_list_shows_a_capped_count_of_matching_customers(staff_client, monkeypatch):
    from customers.views import bulk_support

    monkeypatch.setattr(bulk_support, "COUNT_CAP", 3)
    for _ in range(5):
        CustomerFactory()

    response = staff_client.get("/staff/customers/")

    assert response.context["matching_more"] is True
    assert "more than 3" in response.content.decode()


def test_list_shows_the_exact_count_below_the_cap(staff_client):
    for _ in range(2):
        CustomerFactory(city="Roma")
    CustomerFactory(city="Bari")

    response = staff_client.get("/staff/customers/", {"city": "Roma"})

    assert response.context["matching_count"] == 2
    assert "All 2 customers matching the filters" in response.content.decode()


def test_bulk_anonymous_goes_to_login(client):
    response = post(client, {"action": "add_tag"})
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]
    assert Customer.objects.count() == 0


def test_bulk_task_is_safe_to_run_twice_and_checks_permission(tag, manager_user):
    from customers.bulk_tasks import customers_bulk_apply_task

    roman = [CustomerFactory(city="Roma") for _ in range(3)]
    CustomerFactory(city="Bari")

    first = customers_bulk_apply_task("add_tag", tag.pk, "city=Roma", manager_user.pk)
    again = customers_bulk_apply_task("add_tag", tag.pk, "city=Roma", manager_user.pk)

    assert (first, again) == (3, 0)
    assert tagged_ids(tag) == {c.pk for c in roman}
    assert CustomerEvent.objects.filter(kind="tag_added").count() == 3

    nobody = StaffFactory()
    assert customers_bulk_apply_task("remove_tag", tag.pk, "", nobody.pk) == 0
    assert customers_bulk_apply_task("add_tag", 999999, "", manager_user.pk) == 0
    assert tagged_ids(tag) == {c.pk for c in roman}


def test_customer_id_batches_walk_the_queryset_in_keyset_order(monkeypatch):
    customers = [CustomerFactory() for _ in range(5)]

    batches = list(marketing.customer_id_batches(Customer.objects.all(), size=2))

    assert batches == [
        [customers[0].pk, customers[1].pk],
        [customers[2].pk, customers[3].pk],
        [customers[4].pk],
    ]
