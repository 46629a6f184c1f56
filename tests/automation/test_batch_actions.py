"""The tick's batch entry points (``AutomationAction.run_many``): a batch of one
step's visits runs the real actions (credit, tag, e-mail) in a few queries, once
per idempotency key; a refusal in a batch fails only its own visit."""

from decimal import Decimal

import pytest
from django.db import transaction

from automation.models import Run, StepVisit
from automation.services import funnel_enrol, funnel_import, funnels_tick
from balance.models import Entry
from balance.services import Author, entry_post
from balance.verification import balance_mismatches
from core import plugins
from core.models import SentEmail
from customers.models import Customer, Tag
from tests.automation.conftest import document
from tests.automation.invariants import (
    assert_counters_match_rows,
    assert_no_visit_twice,
    assert_runs_end_or_wait,
)
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

CREDIT = {
    "key": "credit",
    "kind": "action",
    "action": "balance.assign_credits",
    "params": {"amount": "2.50", "note": "Hello {first_name}"},
    "next": "tag",
}


def funnel_of(tag: Tag, *, goal: bool = False):
    steps = [
        CREDIT,
        {
            "key": "tag",
            "kind": "action",
            "action": "customers.add_tag",
            "params": {"tag": tag.pk},
            "next": "email",
        },
        {
            "key": "email",
            "kind": "action",
            "action": "automation.send_email",
            "params": {
                "subject": {"en": "Hi {first_name}"},
                "body": {"en": "<p>Hello</p>"},
            },
            "next": "exit",
        },
        {"key": "exit", "kind": "exit"},
    ]
    if goal:
        steps.append(
            {
                "key": "goal",
                "kind": "goal",
                "trigger": "customer.tag_added",
                "params": {"tag": tag.pk},
                "next": None,
            }
        )
    return funnel_import(
        document=document(steps, trigger="automation.manual"), activate=True
    )


def consistent():
    assert_no_visit_twice()
    assert_runs_end_or_wait()
    assert_counters_match_rows()
    assert balance_mismatches() == []


def test_a_batch_runs_credit_tag_and_email_for_every_customer_once(
    django_assert_max_num_queries,
):
    tag = Tag.objects.create(name="Batch")
    funnel = funnel_of(tag)
    for _n in range(12):
        CustomerFactory(newsletter_subscribed=True)
    funnel_enrol(funnel, Customer.objects.all())
    # A batch of 12 credits: a fixed number of queries, not one set per customer.
    with django_assert_max_num_queries(40):
        report = funnels_tick(batch=100, limit=12)
    assert report.done == 12
    funnels_tick()
    assert Run.objects.filter(state=Run.State.EXITED).count() == 12
    assert set(Customer.objects.values_list("balance", flat=True)) == {Decimal("2.50")}
    assert Entry.objects.count() == 12
    assert tag.customers.count() == 12
    assert SentEmail.objects.filter(template="automation_email").count() == 12
    visit = StepVisit.objects.filter(step_key="credit").first()
    assert visit is not None and visit.result.startswith("Credited")
    consistent()


def test_a_credit_batch_run_twice_posts_each_credit_once():
    action = plugins.automation_actions.get("balance.assign_credits")
    assert action is not None and action.run_many is not None
    customers = [CustomerFactory() for _n in range(5)]
    calls = [
        plugins.AutomationCall(
            customer=customer,
            idempotency_key=f"funnel-step:test-{customer.pk}",
            context=plugins.AutomationContext(),
        )
        for customer in customers
    ]
    params = {"amount": "3.00"}
    with transaction.atomic():
        first = action.run_many(calls, params)
    with transaction.atomic():
        second = action.run_many(calls, params)
    assert first == second  # the same entries, the same balances
    assert Entry.objects.count() == 5
    assert set(Customer.objects.values_list("balance", flat=True)) == {Decimal("3.00")}
    assert balance_mismatches() == []


def test_a_tick_run_again_after_a_crash_credits_and_emails_nobody_twice():
    """The batch's effects are keyed by the visits: the same batch run again (a
    worker killed after the effects, before its states were seen) adds nothing."""
    tag = Tag.objects.create(name="Batch")
    funnel = funnel_of(tag)
    for _n in range(6):
        CustomerFactory(newsletter_subscribed=True)
    funnel_enrol(funnel, Customer.objects.all())
    funnels_tick()
    # The credit and e-mail visits back as if never run (their effects are found
    # by their keys); one batch takes exactly those 12.
    StepVisit.objects.filter(step_key__in=["credit", "email"]).update(
        state=StepVisit.State.SCHEDULED
    )
    StepVisit.objects.filter(step_key="exit").delete()
    Run.objects.update(state=Run.State.ACTIVE, ended_at=None)
    report = funnels_tick(batch=100, limit=12)
    assert report.done == 12
    assert Entry.objects.count() == 6
    assert SentEmail.objects.filter(template="automation_email").count() == 6
    assert balance_mismatches() == []


def test_a_mixed_credit_batch_fails_only_the_refused_visit():
    """One visit's key was used for another amount: the batch is refused as a
    whole, the engine runs each visit alone, and only that one is retried."""
    tag = Tag.objects.create(name="Batch")
    funnel = funnel_of(tag)
    customers = [CustomerFactory(newsletter_subscribed=True) for _n in range(4)]
    funnel_enrol(funnel, Customer.objects.all())
    odd = StepVisit.objects.get(step_key="credit", run__customer=customers[1])
    entry_post(
        customer_id=customers[1].pk,
        amount=Decimal("9.00"),
        kind=Entry.Kind.AUTOMATION,
        author=Author.system("Test"),
        idempotency_key=f"funnel-step:{odd.pk}",
    )
    report = funnels_tick(batch=100, limit=4)
    assert (report.done, report.retrying) == (3, 1)
    odd.refresh_from_db()
    assert odd.state == StepVisit.State.SCHEDULED and "already used" in odd.error
    balances = dict(Customer.objects.values_list("pk", "balance"))
    assert balances[customers[1].pk] == Decimal("9.00")
    assert {balances[c.pk] for c in customers if c != customers[1]} == {Decimal("2.50")}
    consistent()


def test_a_batch_outcome_refused_or_skipped_is_recorded_per_visit():
    """``run_many`` may refuse or skip some calls and do the others."""

    def run_many(calls, params):
        outcomes = []
        for number, call in enumerate(calls):
            if number == 0:
                outcomes.append(plugins.AutomationActionRefused("Not this one."))
            elif number == 1:
                outcomes.append(plugins.AutomationActionSkipped("Not that one."))
            else:
                outcomes.append(f"Done for {call.customer.email}")
        return outcomes

    action = plugins.AutomationAction(
        "test.many", "Many", lambda *a, **k: "alone", run_many=run_many
    )
    plugins.automation_actions.register(action)
    try:
        funnel = funnel_import(
            document=document(
                [
                    {"key": "a", "kind": "action", "action": "test.many", "next": None},
                ],
                trigger="automation.manual",
            ),
            activate=True,
        )
        for _n in range(3):
            CustomerFactory()
        funnel_enrol(funnel, Customer.objects.all())
        report = funnels_tick()
    finally:
        plugins.automation_actions.unregister(action.key)
    assert (report.done, report.skipped, report.retrying) == (1, 1, 1)
    states = sorted(StepVisit.objects.values_list("state", "error", "result"))
    assert (StepVisit.State.SCHEDULED, "Not this one.", "") in states
    assert (StepVisit.State.SKIPPED, "", "Not that one.") in states
    assert Run.objects.filter(state=Run.State.COMPLETED).count() == 2
    assert_counters_match_rows()


def test_a_tag_batch_reaching_the_goal_skips_what_follows():
    """Adding the tag (one ``tag_assign`` for the batch) reaches each run's goal
    on "customer.tag_added": no e-mail is sent, every run ends at its goal."""
    tag = Tag.objects.create(name="Batch")
    funnel = funnel_of(tag, goal=True)
    for _n in range(5):
        CustomerFactory(newsletter_subscribed=True)
    funnel_enrol(funnel, Customer.objects.all())
    funnels_tick()
    funnels_tick()
    assert not SentEmail.objects.filter(template="automation_email").exists()
    runs = Run.objects.all()
    assert all(run.converted_at for run in runs)
    assert runs.filter(state=Run.State.COMPLETED).count() == 5
    assert StepVisit.objects.filter(step_key="tag", state="done").count() == 5
    consistent()


def _email_batch_queries(customers, list_id: int) -> tuple[int, list]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action = plugins.automation_actions.get("automation.send_email")
    assert action is not None and action.run_many is not None
    calls = [
        plugins.AutomationCall(
            customer=customer,
            idempotency_key=f"funnel-step:test-{list_id}-{customer.pk}",
            context=plugins.AutomationContext(),
        )
        for customer in customers
    ]
    params = {
        "subject": {"en": "Hi {first_name}"},
        "body": {"en": "<p>Hello</p>"},
        "newsletter_list": list_id,
    }
    with CaptureQueriesContext(connection) as queries:
        outcomes = action.run_many(calls, params)
    return len(queries), outcomes


def test_an_email_batch_asks_consent_once_not_per_customer():
    from django.utils import timezone

    from customers.models import NewsletterList, Subscription

    news = NewsletterList.objects.create(name="News")
    customers = [CustomerFactory() for _n in range(55)]
    for customer in customers[::2]:  # every other one is on the list
        Subscription.objects.create(
            customer=customer,
            newsletter_list=news,
            subscribed_at=timezone.now(),
            source=Subscription.Source.STAFF,
        )
    few, outcomes_few = _email_batch_queries(customers[:5], news.pk)
    many, outcomes = _email_batch_queries(customers[5:], news.pk)
    # 50 e-mails cost what 5 do: consent and the list's name asked once.
    assert many == few
    assert len(outcomes_few) == 5 and len(outcomes) == 50
    for customer, outcome in zip(customers[5:], outcomes, strict=True):
        on_list = customers.index(customer) % 2 == 0
        if on_list:
            assert isinstance(outcome, str) and customer.email in outcome
        else:
            assert isinstance(outcome, plugins.AutomationActionSkipped)
            assert "is not subscribed to the list “News”" in str(outcome)
    assert SentEmail.objects.filter(template="automation_email").count() == 3 + 25
