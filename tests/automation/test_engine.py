"""The engine, step kind by step kind: enrolment, the tick, failures, versions,
test runs and the simulator (on both databases)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from automation.definition import split_bucket
from automation.models import Funnel, Run, StepCounter, StepVisit, Tick
from automation.services import (
    funnel_enrol,
    funnel_enrol_customer,
    funnel_export,
    funnel_import,
    funnel_pause,
    funnel_publish,
    funnel_resume,
    funnel_simulate,
    funnels_tick,
    run_cancel,
    step_visit_retry,
    step_visit_skip,
)
from automation.services.tick import MAX_ATTEMPTS
from core import plugins
from core.automation_events import automation_event_send
from customers.models import Customer
from tests.automation.conftest import REFUSING, SCAN_HITS, credit, document, effects
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def funnel_of(steps, **kwargs):
    return funnel_import(document=document(steps, **kwargs), activate=True)


def fire(customer, key="e1", trigger="test.event", **payload):
    automation_event_send(
        trigger, customer_id=customer.pk, entry_key=key, payload=payload
    )


def counter(funnel, key):
    return StepCounter.objects.get(version=funnel.published_version, step_key=key)


def test_event_enrols_once_and_the_tick_runs_the_action_once():
    funnel = funnel_of([credit(next="bye"), {"key": "bye", "kind": "exit"}])
    customer = CustomerFactory()
    fire(customer)
    fire(customer)  # the same occurrence again: enrolled once
    assert Run.objects.count() == 1
    report = funnels_tick()
    assert report.done == 2
    assert funnels_tick().processed == 0
    assert effects().get().event_key.startswith("funnel-step:")
    run = Run.objects.get()
    assert run.state == Run.State.EXITED and run.ended_at
    stats = counter(funnel, "credit")
    assert (stats.entered, stats.waiting, stats.done) == (1, 0, 1)
    visit = run.visits.get(step_key="credit")
    assert visit.result == f"test_credit for {customer.email}"
    assert Tick.objects.get(pk=1).last_tick_at is not None


def test_event_enrols_only_where_the_trigger_params_match():
    funnel_of([credit()], params={"product": 7})
    customer = CustomerFactory()
    fire(customer, product=8)
    assert not Run.objects.exists()
    fire(customer, product=7)
    assert Run.objects.get().payload == {"product": 7}


def test_draft_and_paused_funnels_enrol_nobody():
    funnel = funnel_import(document=document([credit()]))
    customer = CustomerFactory()
    fire(customer)
    assert not Run.objects.exists()
    funnel.status = Funnel.Status.PAUSED
    funnel.save()
    fire(customer)
    assert not Run.objects.exists()


def test_reentry_once_ever():
    funnel_of([credit()])
    customer = CustomerFactory()
    fire(customer, "e1")
    funnels_tick()
    fire(customer, "e2")
    assert Run.objects.count() == 1


def test_reentry_once_at_a_time():
    funnel_of(
        [
            credit(next="w"),
            {"key": "w", "kind": "wait", "duration": {"days": 1}},
        ],
        reentry={"policy": "one_at_a_time"},
    )
    customer = CustomerFactory()
    fire(customer, "e1")
    fire(customer, "e2")  # still in the first run
    assert Run.objects.count() == 1
    funnels_tick()  # the credit; the wait ends a day later
    funnels_tick(now=timezone.now() + timedelta(days=2))
    assert Run.objects.get().state == Run.State.COMPLETED
    fire(customer, "e2")
    fire(customer, "e1")  # that occurrence already enrolled them
    assert Run.objects.count() == 2


def test_reentry_again_after_days():
    funnel_of([credit()], reentry={"policy": "again_after", "days": 30})
    customer = CustomerFactory()
    fire(customer, "e1")
    funnels_tick()
    fire(customer, "e2")
    assert Run.objects.count() == 1
    Run.objects.update(entered_at=timezone.now() - timedelta(days=31))
    fire(customer, "e2")
    assert Run.objects.count() == 2


def test_wait_duration_is_a_due_at_and_runs_when_due():
    funnel = funnel_of(
        [
            {"key": "w", "kind": "wait", "duration": {"days": 3}, "next": "credit"},
            credit(),
        ]
    )
    customer = CustomerFactory()
    fire(customer)
    visit = StepVisit.objects.get()
    assert visit.due_at > timezone.now() + timedelta(days=2, hours=23)
    assert counter(funnel, "w").waiting == 1
    funnels_tick(now=timezone.now() + timedelta(days=2))
    assert not effects().exists()
    funnels_tick(now=timezone.now() + timedelta(days=3, minutes=1))
    assert effects().count() == 1
    assert Run.objects.get().state == Run.State.COMPLETED


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # TIME_ZONE is Europe/Rome: 09:00 there is 07:00 UTC in summer.
        (
            datetime(2026, 6, 24, 12, 0, tzinfo=UTC),
            datetime(2026, 6, 29, 7, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 6, 29, 6, 0, tzinfo=UTC),
            datetime(2026, 6, 29, 7, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 6, 29, 8, 0, tzinfo=UTC),
            datetime(2026, 7, 6, 7, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 12, 30, 8, 0, tzinfo=UTC),
            datetime(2027, 1, 4, 8, 0, tzinfo=UTC),
        ),
    ],
)
def test_wait_until_weekday_and_time_in_the_time_zone(settings, start, expected):
    from automation.definition import wait_end

    settings.TIME_ZONE = "Europe/Rome"
    step = {"kind": "wait", "until": {"weekday": "monday", "time": "09:00"}}
    assert wait_end(step, start) == expected


def test_condition_takes_the_yes_or_the_no_branch():
    funnel_of(
        [
            {
                "key": "rome",
                "kind": "condition",
                "condition": "test.city",
                "params": {"city": "Rome"},
                "yes": "big",
                "no": "small",
            },
            credit("big", amount=10),
            credit("small", amount=1),
        ]
    )
    roman, other = CustomerFactory(city="Rome"), CustomerFactory(city="Milan")
    fire(roman, "r")
    fire(other, "o")
    funnels_tick()
    amounts = {e.to: e.context["params"]["amount"] for e in effects()}
    assert amounts == {roman.email: 10, other.email: 1}
    assert StepVisit.objects.get(run__customer=roman, step_key="rome").result == "Yes"


def test_split_is_deterministic_per_customer_and_near_its_percentages():
    funnel = funnel_of(
        [
            {
                "key": "ab",
                "kind": "split",
                "branches": [
                    {"percent": 20, "next": "a"},
                    {"percent": 80, "next": "b"},
                ],
            },
            credit("a", amount=1),
            credit("b", amount=2),
        ]
    )
    customers = CustomerFactory.create_batch(200)
    funnel_enrol(funnel, Customer.objects.all())
    funnels_tick()
    went_a = set(
        effects().filter(context__params__amount=1).values_list("to", flat=True)
    )
    expected_a = {
        c.email
        for c in customers
        if split_bucket(funnel_id=funnel.pk, step_key="ab", customer_id=c.pk) < 20
    }
    assert went_a == expected_a
    assert 20 <= len(went_a) <= 60


def test_goal_pulls_the_customer_out_of_the_wait():
    funnel = funnel_of(
        [
            {"key": "w", "kind": "wait", "duration": {"days": 7}, "next": "late"},
            credit("late"),
            {
                "key": "renewed",
                "kind": "goal",
                "trigger": "test.goal",
                "next": "thanks",
            },
            credit("thanks", amount=9),
        ]
    )
    customer, other = CustomerFactory(), CustomerFactory()
    fire(customer, "a")
    fire(other, "b")
    fire(customer, "renewal-1", trigger="test.goal")
    funnels_tick()
    run = Run.objects.get(customer=customer)
    assert run.state == Run.State.COMPLETED and run.converted_at
    assert [e.context["params"]["amount"] for e in effects()] == [9]
    assert run.visits.get(step_key="w").state == StepVisit.State.CANCELLED
    assert counter(funnel, "w").waiting == 1  # the other customer still waits
    assert Run.objects.get(customer=other).state == Run.State.ACTIVE


def test_goal_without_next_takes_the_customer_out_of_the_funnel():
    funnel_of(
        [
            {"key": "w", "kind": "wait", "duration": {"days": 7}, "next": "late"},
            credit("late"),
            {"key": "renewed", "kind": "goal", "trigger": "test.goal"},
        ]
    )
    customer = CustomerFactory()
    fire(customer)
    fire(customer, "g", trigger="test.goal")
    funnels_tick(now=timezone.now() + timedelta(days=8))
    assert Run.objects.get().state == Run.State.COMPLETED
    assert not effects().exists()


def test_too_late_email_is_skipped_and_the_run_goes_on():
    funnel = funnel_of(
        [
            {"key": "mail", "kind": "action", "action": "test.email", "next": "credit"},
            credit(),
        ]
    )
    customer = CustomerFactory()
    fire(customer)
    report = funnels_tick(now=timezone.now() + timedelta(days=4))
    assert (report.skipped, report.done) == (1, 1)
    mail = StepVisit.objects.get(step_key="mail")
    assert mail.state == StepVisit.State.SKIPPED
    assert mail.result.startswith("Too late: due ")
    assert not effects("test_email").exists()
    assert effects().count() == 1
    assert counter(funnel, "mail").skipped == 1


def test_step_override_of_too_late_after():
    funnel_of(
        [
            {
                "key": "mail",
                "kind": "action",
                "action": "test.email",
                "too_late_after": None,  # never too late
                "next": "credit",
            },
            {**credit(), "too_late_after": {"hours": 1}},
        ]
    )
    fire(CustomerFactory())
    funnels_tick(now=timezone.now() + timedelta(days=4))
    assert effects("test_email").count() == 1
    # The credit was due with the e-mail, four days ago: past its own hour.
    assert not effects().exists()
    assert StepVisit.objects.get(step_key="credit").state == StepVisit.State.SKIPPED


def test_skipped_action_is_recorded_and_not_retried():
    funnel_of([{"key": "s", "kind": "action", "action": "test.skip", "next": None}])
    fire(CustomerFactory())
    assert funnels_tick().skipped == 1
    visit = StepVisit.objects.get()
    assert (visit.state, visit.result) == ("skipped", "No newsletter consent.")
    assert Run.objects.get().state == Run.State.COMPLETED


def test_refused_action_backs_off_then_fails_then_retry_and_skip():
    funnel = funnel_of(
        [
            {"key": "debit", "kind": "action", "action": "test.refuse", "next": "c"},
            credit("c"),
        ]
    )
    customer = CustomerFactory()
    REFUSING.add(customer.pk)
    fire(customer)
    now = timezone.now()
    dues = []
    for _attempt in range(MAX_ATTEMPTS):
        report = funnels_tick(now=now)
        visit = StepVisit.objects.get(step_key="debit")
        dues.append(visit.due_at - now)
        now = visit.due_at + timedelta(seconds=1)
    assert report.failed == 1
    assert visit.state == StepVisit.State.FAILED
    assert visit.attempts == MAX_ATTEMPTS
    assert visit.error == "The balance cannot cover 5.00."
    # Backoff grows 1, 4, 16, 64 minutes.
    assert [d // timedelta(minutes=1) for d in dues[:4]] == [1, 4, 16, 64]
    assert funnels_tick(now=now + timedelta(days=30)).processed == 0
    stats = counter(funnel, "debit")
    assert (stats.waiting, stats.failed) == (0, 1)
    assert not effects("test_refuse").exists()

    REFUSING.clear()
    step_visit_retry(visit=visit)
    assert counter(funnel, "debit").failed == 0
    funnels_tick()
    assert effects("test_refuse").count() == 1
    assert effects().count() == 1
    assert Run.objects.get().state == Run.State.COMPLETED
    with pytest.raises(ValidationError):
        step_visit_retry(visit=visit)


def test_skip_a_failed_step_goes_on_with_the_run():
    funnel_of(
        [
            {"key": "debit", "kind": "action", "action": "test.refuse", "next": "c"},
            credit("c"),
        ]
    )
    customer = CustomerFactory()
    REFUSING.add(customer.pk)
    fire(customer)
    funnels_tick()
    visit = StepVisit.objects.get(step_key="debit")
    assert visit.state == StepVisit.State.SCHEDULED and visit.attempts == 1
    step_visit_skip(visit=visit, by="Anna")
    visit.refresh_from_db()
    assert (visit.state, visit.result) == ("skipped", "Skipped by Anna.")
    funnels_tick()
    assert effects().count() == 1


def test_paused_funnel_runs_nothing_until_resumed():
    funnel = funnel_of([credit()])
    fire(CustomerFactory())
    funnel_pause(funnel=funnel)
    assert funnels_tick().processed == 0
    funnel_resume(funnel=funnel)
    assert funnels_tick().done == 1


def test_run_cancel_stops_the_waits():
    funnel = funnel_of([{"key": "w", "kind": "wait", "duration": {"days": 1}}])
    fire(CustomerFactory())
    run_cancel(run=Run.objects.get())
    assert Run.objects.get().state == Run.State.CANCELLED
    assert counter(funnel, "w").waiting == 0
    assert funnels_tick(now=timezone.now() + timedelta(days=2)).processed == 0


def test_versions_keep_runs_and_a_vanished_step_needs_a_move():
    funnel = funnel_of(
        [
            {"key": "w", "kind": "wait", "duration": {"days": 1}, "next": "old"},
            credit("old", amount=1),
        ]
    )
    first = funnel.published_version
    fire(CustomerFactory())
    funnel.draft = document(
        [
            {"key": "w2", "kind": "wait", "duration": {"days": 1}, "next": "new"},
            credit("new", amount=2),
        ]
    )
    funnel.save()
    with pytest.raises(ValidationError) as error:
        funnel_publish(funnel=funnel)
    assert error.value.messages == [
        "Step 'w' is gone but 1 run is waiting in it: say which step it moves to."
    ]
    assert funnel.versions.count() == 1
    with pytest.raises(ValidationError):
        funnel_publish(funnel=funnel, moves={"w": "ghost"})
    second = funnel_publish(funnel=funnel, moves={"w": "new"})
    assert second.number == 2
    run = Run.objects.get()
    assert run.version == second
    assert StepCounter.objects.get(version=first, step_key="w").waiting == 0
    assert StepCounter.objects.get(version=second, step_key="new").waiting == 1
    funnels_tick()
    assert [e.context["params"]["amount"] for e in effects()] == [2]


def test_runs_stay_on_their_version_when_their_step_remains():
    funnel = funnel_of(
        [
            {"key": "w", "kind": "wait", "duration": {"days": 1}, "next": "c"},
            credit("c", amount=1),
        ]
    )
    first = funnel.published_version
    fire(CustomerFactory(), "a")
    funnel.draft = document(
        [
            {"key": "w", "kind": "wait", "duration": {"days": 1}, "next": "c"},
            credit("c", amount=2),
        ]
    )
    funnel.save()
    funnel_publish(funnel=funnel)
    fire(CustomerFactory(), "b")
    funnels_tick(now=timezone.now() + timedelta(days=2))
    assert sorted(e.context["params"]["amount"] for e in effects()) == [1, 2]
    assert Run.objects.filter(version=first).count() == 1


def test_test_enrolment_fast_forwards_waits_and_counts_nowhere():
    funnel = funnel_of(
        [
            {"key": "w", "kind": "wait", "duration": {"days": 30}, "next": "mail"},
            {"key": "mail", "kind": "action", "action": "test.email"},
        ]
    )
    run = funnel_enrol_customer(funnel=funnel, customer=CustomerFactory(), is_test=True)
    assert run.is_test
    funnels_tick()
    assert effects("test_email").count() == 1
    assert Run.objects.get().state == Run.State.COMPLETED
    assert counter(funnel, "w").entered == 0 and counter(funnel, "mail").done == 0


def test_bulk_enrolment_is_set_based_idempotent_and_reports_progress():
    funnel = funnel_of([credit()], trigger="automation.manual")
    CustomerFactory.create_batch(30)
    seen = []
    with CaptureQueriesContext(connection) as queries:
        count = funnel_enrol(
            funnel, Customer.objects.all(), progress=lambda d, t: seen.append((d, t))
        )
    assert count == 30
    assert len(queries) < 20
    assert seen[-1] == (30, 30)
    assert funnel_enrol(funnel, Customer.objects.all()) == 0
    assert counter(funnel, "credit").entered == 30
    assert StepVisit.objects.filter(state="scheduled").count() == 30
    assert funnels_tick(batch=7).done == 30
    assert effects().count() == 30


def test_bulk_enrolment_respects_again_after_days():
    funnel = funnel_of(
        [credit()],
        trigger="automation.manual",
        reentry={"policy": "again_after", "days": 10},
    )
    CustomerFactory.create_batch(3)
    assert funnel_enrol(funnel, Customer.objects.all()) == 3
    funnels_tick()
    assert funnel_enrol(funnel, Customer.objects.all()) == 0
    Run.objects.update(entered_at=timezone.now() - timedelta(days=11))
    assert funnel_enrol(funnel, Customer.objects.all()) == 3


def test_time_based_trigger_is_enrolled_by_the_tick_once():
    funnel_of([credit()], trigger="test.scan")
    customer = CustomerFactory()
    SCAN_HITS.append(plugins.TriggerHit(customer.pk, "exp:1:2026-12-01"))
    assert funnels_tick().enrolled == 1
    assert funnels_tick().enrolled == 0
    assert effects().count() == 1


def test_limit_and_batch_bound_a_tick():
    funnel = funnel_of([credit()], trigger="automation.manual")
    CustomerFactory.create_batch(5)
    funnel_enrol(funnel, Customer.objects.all())
    report = funnels_tick(batch=2, limit=3)
    assert report.done == 3 and report.batches == 2
    health = Tick.objects.get(pk=1)
    assert health.backlog == 2 and health.oldest_due_at is not None


def test_simulation_shows_the_path_and_writes_nothing():
    funnel = funnel_of(
        [
            credit(next="w"),
            {"key": "w", "kind": "wait", "duration": {"days": 2}, "next": "rome"},
            {
                "key": "rome",
                "kind": "condition",
                "condition": "test.city",
                "params": {"city": "Rome"},
                "yes": "bye",
                "no": "mail",
            },
            {"key": "mail", "kind": "action", "action": "test.email"},
            {"key": "bye", "kind": "exit"},
        ]
    )
    customer = CustomerFactory(city="Rome", email="x@example.com")
    with CaptureQueriesContext(connection) as queries:
        path = funnel_simulate(funnel, customer)
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert [(s.key, s.text) for s in path] == [
        ("credit", "Would credit 5 to x@example.com"),
        ("w", "Would wait 2 days, 0:00:00."),
        ("rome", "Condition true: on to 'bye'."),
        ("bye", "Leaves the funnel."),
    ]
    assert not Run.objects.exists()


def test_export_then_import_round_trip():
    original = document(
        [
            credit(next="w"),
            {"key": "w", "kind": "wait", "duration": {"days": 2}, "next": None},
        ],
        reentry={"policy": "again_after", "days": 5},
        name="Round trip",
    )
    funnel = funnel_import(document=original)
    exported = funnel_export(funnel)
    assert exported == original
    again = funnel_import(document=exported, activate=True)
    assert funnel_export(again) == original
    assert (again.reentry, again.reentry_days, again.status) == (
        "again_after",
        5,
        "active",
    )
