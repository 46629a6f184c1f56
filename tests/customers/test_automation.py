"""The customers hub's funnel triggers, actions and conditions."""

from datetime import date, datetime

import pytest
from django.db import transaction
from django.utils import timezone

from core import plugins
from core.plugins import AutomationActionRefused, AutomationContext
from customers.models import (
    Customer,
    CustomerAction,
    CustomerEvent,
    NewsletterList,
    Subscription,
    Tag,
)
from customers.services import customer_create
from customers.services.marketing import (
    newsletter_list_subscribe,
    newsletter_list_unsubscribe,
    tag_assign,
    tag_unassign,
)
from expirations.widgets import actions_due_today
from tests.core.automation_support import events_committed, events_sent
from tests.customers.factories import CustomerFactory
from tests.customers.test_login_signup import signup_data
from tests.customers.test_personal_data import personal_data

pytestmark = pytest.mark.django_db

CONTEXT = AutomationContext(run_id=2, step_visit_id=30)


def run(key, customer, params, *, idempotency_key="step:30", context=CONTEXT):
    return plugins.automation_actions.get(key).run(
        customer, params, idempotency_key=idempotency_key, context=context
    )


def events_of(kind, customer):
    return CustomerEvent.objects.filter(customer=customer, kind=kind)


# --- customer.created ---


def test_sign_up_through_the_page_fires_customer_created_once(client):
    with events_sent("customer.created") as sent:
        response = client.post("/account/signup/", signup_data())
        client.post("/account/signup/", signup_data())  # the same address again
    assert response.status_code == 302
    customer = Customer.objects.get()
    (event,) = sent
    assert (event.customer_id, event.entry_key) == (
        customer.pk,
        f"customer:{customer.pk}:created",
    )
    assert event.payload == {"source": "signup"}
    assert event.in_transaction


def test_staff_creating_a_customer_fires_customer_created(staff_client):
    with events_sent("customer.created") as sent:
        staff_client.post(
            "/staff/customers/new/",
            personal_data(email="rita@example.com"),
        )
    customer = Customer.objects.get(email="rita@example.com")
    assert [(e.customer_id, e.payload) for e in sent] == [
        (customer.pk, {"source": "staff"})
    ]


@pytest.mark.both_dbs
def test_customer_created_rolls_back_with_the_customer(
    django_capture_on_commit_callbacks,
):
    with (
        events_committed("customer.created") as committed,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        customer_create(email="gone@example.com")
        raise RuntimeError
    assert committed == []
    assert not Customer.objects.exists()


@pytest.mark.both_dbs
def test_the_created_trigger_matches_its_source_parameter():
    trigger = plugins.automation_triggers.get("customer.created")
    assert trigger.matches({"source": ""}, {"source": "staff"})
    assert trigger.matches({"source": "signup"}, {"source": "signup"})
    assert not trigger.matches({"source": "signup"}, {"source": "staff"})
    assert trigger.form_class({"source": "import"}).is_valid() is False


# --- tags and lists: once per real change, from every path ---


def test_adding_a_tag_on_the_card_fires_tag_added_once(staff_client):
    customer, tag = CustomerFactory(), Tag.objects.create(name="VIP")
    url = f"/staff/customers/{customer.pk}/marketing/tags/add/"
    with events_sent() as sent:
        staff_client.post(url, {"tag": tag.pk})
        staff_client.post(url, {"tag": tag.pk})  # already tagged: no change
    (recorded,) = events_of(CustomerEvent.Kind.TAG_ADDED, customer)
    assert [(e.trigger, e.customer_id, e.entry_key, e.payload) for e in sent] == [
        (
            "customer.tag_added",
            customer.pk,
            f"customer.tag_added:{recorded.pk}",
            {"tag_id": tag.pk, "tag": "VIP"},
        )
    ]


def test_the_bulk_action_fires_one_event_per_customer_that_changed(staff_client):
    tag = Tag.objects.create(name="Hot")
    first, second, tagged = CustomerFactory.create_batch(3)
    tag_assign(tag=tag, customer_ids=[tagged.pk])
    with events_sent("customer.tag_added") as sent:
        staff_client.post(
            "/staff/customers/bulk/",
            {
                "action": "add_tag",
                "tag": tag.pk,
                "scope": "selected",
                "selected": [first.pk, second.pk, tagged.pk],
            },
        )
    assert sorted(e.customer_id for e in sent) == [first.pk, second.pk]
    assert len({e.entry_key for e in sent}) == 2


def test_the_customer_area_list_choice_fires_subscribed_and_unsubscribed(
    customer_client, customer
):
    news = NewsletterList.objects.create(name="News")
    with events_sent() as sent:
        customer_client.post("/account/newsletters/", {"newsletter_lists": [news.pk]})
        customer_client.post("/account/newsletters/", {"newsletter_lists": [news.pk]})
        customer_client.post("/account/newsletters/", {})
    assert [(e.trigger, e.payload) for e in sent] == [
        (
            "customer.list_subscribed",
            {"list_id": news.pk, "list": "News", "source": "customer"},
        ),
        (
            "customer.list_unsubscribed",
            {"list_id": news.pk, "list": "News", "source": "customer"},
        ),
    ]


@pytest.mark.both_dbs
def test_a_tag_added_again_after_removal_is_a_new_occurrence():
    customer, tag = CustomerFactory(), Tag.objects.create(name="VIP")
    with events_sent() as sent:
        tag_assign(tag=tag, customer_ids=[customer.pk])
        tag_unassign(tag=tag, customer_ids=[customer.pk])
        tag_unassign(tag=tag, customer_ids=[customer.pk])  # no longer tagged
        tag_assign(tag=tag, customer_ids=[customer.pk])
    assert [e.trigger for e in sent] == [
        "customer.tag_added",
        "customer.tag_removed",
        "customer.tag_added",
    ]
    assert len({e.entry_key for e in sent}) == 3


@pytest.mark.both_dbs
def test_list_events_fire_once_per_change_and_roll_back_with_it(
    django_capture_on_commit_callbacks,
):
    customer, news = CustomerFactory(), NewsletterList.objects.create(name="News")
    with (
        events_committed() as committed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        with pytest.raises(RuntimeError), transaction.atomic():
            newsletter_list_subscribe(newsletter_list=news, customer_ids=[customer.pk])
            raise RuntimeError
        newsletter_list_subscribe(newsletter_list=news, customer_ids=[customer.pk])
        newsletter_list_subscribe(newsletter_list=news, customer_ids=[customer.pk])
        newsletter_list_unsubscribe(newsletter_list=news, customer_ids=[customer.pk])
    assert [e.trigger for e in committed] == [
        "customer.list_subscribed",
        "customer.list_unsubscribed",
    ]


@pytest.mark.both_dbs
def test_tag_and_list_triggers_match_their_parameter():
    tag_trigger = plugins.automation_triggers.get("customer.tag_removed")
    assert tag_trigger.matches({"tag": None}, {"tag_id": 4})
    assert tag_trigger.matches({"tag": 4}, {"tag_id": 4})
    assert not tag_trigger.matches({"tag": 5}, {"tag_id": 4})
    list_trigger = plugins.automation_triggers.get("customer.list_subscribed")
    assert list_trigger.matches({"newsletter_list": "7"}, {"list_id": 7})
    assert not list_trigger.matches({"newsletter_list": 8}, {"list_id": 7})
    tag = Tag.objects.create(name="VIP")
    form = tag_trigger.form_class({"tag": tag.pk})
    assert form.is_valid() and form.cleaned_data == {"tag": tag.pk}
    assert tag_trigger.form_class({}).is_valid()  # any tag
    assert not tag_trigger.form_class({"tag": 999999}).is_valid()


# --- actions ---


@pytest.mark.both_dbs
def test_add_and_remove_tag_actions_change_once_and_fire_the_triggers():
    customer, tag = CustomerFactory(), Tag.objects.create(name="VIP")
    with events_sent() as sent:
        assert run("customers.add_tag", customer, {"tag": tag.pk}) == (
            "Tag “VIP” added."
        )
        assert run("customers.add_tag", customer, {"tag": tag.pk}) == (
            "The customer already had the tag “VIP”."
        )
        run("customers.remove_tag", customer, {"tag": tag.pk})
        run("customers.remove_tag", customer, {"tag": tag.pk})
    assert [e.trigger for e in sent] == ["customer.tag_added", "customer.tag_removed"]
    assert not customer.tags.exists()
    assert events_of(CustomerEvent.Kind.TAG_ADDED, customer).count() == 1


@pytest.mark.both_dbs
def test_subscribe_and_unsubscribe_actions_change_once():
    customer, news = CustomerFactory(), NewsletterList.objects.create(name="News")
    for _attempt in range(2):
        run("customers.subscribe_list", customer, {"newsletter_list": news.pk})
    subscription = Subscription.objects.get(customer=customer)
    assert subscription.source == Subscription.Source.AUTOMATION
    assert events_of(CustomerEvent.Kind.SUBSCRIBED, customer).count() == 1
    for _attempt in range(2):
        run("customers.unsubscribe_list", customer, {"newsletter_list": news.pk})
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    assert events_of(CustomerEvent.Kind.UNSUBSCRIBED, customer).count() == 1


@pytest.mark.both_dbs
def test_actions_on_an_archived_or_deleted_list_or_tag_are_refused():
    customer = CustomerFactory()
    old = NewsletterList.objects.create(name="Old", archived=True)
    with pytest.raises(AutomationActionRefused, match="archived"):
        run("customers.subscribe_list", customer, {"newsletter_list": old.pk})
    with pytest.raises(AutomationActionRefused, match="no longer exists"):
        run("customers.add_tag", customer, {"tag": 999999})
    assert not Subscription.objects.exists()
    form_class = plugins.automation_actions.get("customers.subscribe_list").form_class
    assert not form_class({"newsletter_list": old.pk}).is_valid()


@pytest.mark.both_dbs
def test_create_todo_once_per_key_due_in_n_days_and_shown_to_do_that_day():
    customer = CustomerFactory(first_name="Ugo")
    now = timezone.make_aware(datetime(2026, 3, 10, 9, 0))
    context = AutomationContext(run_id=2, step_visit_id=30, now=now)
    params = {"kind": "call", "title": "Call {first_name}", "due_in_days": 3}
    for _attempt in range(2):
        said = run("customers.create_todo", customer, params, context=context)
    (action,) = CustomerAction.objects.filter(customer=customer)
    assert said == "The to-do “Call Ugo” was already created."
    assert (action.kind, action.title) == (CustomerAction.Kind.CALL, "Call Ugo")
    assert action.due_date == date(2026, 3, 13)
    assert list(actions_due_today(date(2026, 3, 13))) == [action]
    customer.refresh_from_db()
    assert customer.last_call_at is not None  # a call: the card's "last call"
    run("customers.create_todo", customer, params, idempotency_key="other")
    assert CustomerAction.objects.filter(customer=customer).count() == 2


@pytest.mark.both_dbs
def test_create_todo_form_bounds_the_days_and_describe_changes_nothing():
    form_class = plugins.automation_actions.get("customers.create_todo").form_class
    good = {"kind": "call", "title": "Call", "due_in_days": "365"}
    assert form_class(good).is_valid()
    for days in ("-1", "366", "x"):
        assert not form_class({**good, "due_in_days": days}).is_valid()
    assert not form_class({**good, "kind": "party"}).is_valid()
    customer = CustomerFactory(first_name="Ugo")
    describe = plugins.automation_actions.get("customers.create_todo").describe
    now = timezone.make_aware(datetime(2026, 3, 10, 9, 0))
    text = describe(
        customer,
        {"title": "Call {first_name}", "due_in_days": 1},
        AutomationContext(now=now, simulate=True),
    )
    assert text == "Would add the to-do “Call Ugo” due on 2026-03-11."
    assert not CustomerAction.objects.exists()


# --- conditions ---


@pytest.mark.both_dbs
def test_conditions_has_tag_in_list_and_language():
    customer = CustomerFactory(language="it")
    other = CustomerFactory(language="en")
    tag, news = Tag.objects.create(name="VIP"), NewsletterList.objects.create(name="N")
    tag_assign(tag=tag, customer_ids=[customer.pk])
    newsletter_list_subscribe(newsletter_list=news, customer_ids=[customer.pk])
    test = {
        key: plugins.automation_conditions.get(key).test
        for key in ("customers.has_tag", "customers.in_list", "customers.language")
    }
    assert test["customers.has_tag"](customer, {"tag": tag.pk}, CONTEXT)
    assert not test["customers.has_tag"](other, {"tag": tag.pk}, CONTEXT)
    assert test["customers.in_list"](customer, {"newsletter_list": news.pk}, CONTEXT)
    newsletter_list_unsubscribe(newsletter_list=news, customer_ids=[customer.pk])
    assert not test["customers.in_list"](
        customer, {"newsletter_list": news.pk}, CONTEXT
    )
    assert test["customers.language"](customer, {"language": "it"}, CONTEXT)
    assert not test["customers.language"](other, {"language": "it"}, CONTEXT)
