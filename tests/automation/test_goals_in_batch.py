"""A goal reached by an effect of a step in the same tick's batch (found by the
state machine): an action fires an event (adding a tag fires
"customer.tag_added") that takes a run to its goal while the batch holds that
run's visit, claimed, in memory.

Before the fix, the batch then ran the cancelled visit anyway: its action's
effect happened after the goal took the run out, its state went from cancelled
back to done, its "waiting" counter was taken off twice, and the run had two
waiting visits (the goal's and the next step's).
"""

import pytest

from automation.models import Run, StepCounter, StepVisit
from automation.services import funnel_enrol, funnel_import, funnels_tick
from core import plugins
from core.automation_events import automation_event_send
from customers.models import Customer
from tests.automation.conftest import credit, document, effects
from tests.automation.invariants import (
    assert_counters_match_rows,
    assert_no_visit_twice,
    assert_runs_end_or_wait,
)
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def fire_goal(customer, params, *, idempotency_key, context):
    automation_event_send(
        "test.goal", customer_id=customer.pk, entry_key=idempotency_key
    )
    return "Fired the goal."


@pytest.fixture(autouse=True)
def goal_firing_action():
    action = plugins.AutomationAction("test.fire_goal", "Fire the goal", fire_goal)
    plugins.automation_actions.register(action)
    yield
    plugins.automation_actions.unregister(action.key)


def manual(steps, name="F"):
    return funnel_import(
        document=document(steps, trigger="automation.manual", name=name),
        activate=True,
    )


def goal(next=None):
    return {"key": "goal", "kind": "goal", "trigger": "test.goal", "next": next}


def counter(funnel, key):
    stats = StepCounter.objects.get(version=funnel.published_version, step_key=key)
    return (stats.entered, stats.waiting, stats.done)


def assert_consistent():
    assert_no_visit_twice()
    assert_runs_end_or_wait()
    assert_counters_match_rows()


def test_a_step_whose_own_event_reaches_its_runs_goal_goes_to_the_goal():
    funnel = manual(
        [
            {"key": "fire", "kind": "action", "action": "test.fire_goal", "next": "c"},
            credit("c"),
            goal(next="thanks"),
            credit("thanks", amount=9),
        ]
    )
    CustomerFactory()
    funnel_enrol(funnel, Customer.objects.all())
    funnels_tick(batch=1, limit=1)
    fire = StepVisit.objects.get(step_key="fire")
    assert fire.state == StepVisit.State.DONE and fire.result == "Fired the goal."
    assert not StepVisit.objects.filter(step_key="c").exists()
    assert StepVisit.objects.get(step_key="goal").state == StepVisit.State.SCHEDULED
    assert counter(funnel, "fire") == (1, 0, 1)
    assert_consistent()
    funnels_tick()
    run = Run.objects.get()
    assert run.state == Run.State.COMPLETED and run.converted_at
    assert [e.context["params"]["amount"] for e in effects()] == [9]
    assert_consistent()


def test_a_visit_taken_out_by_an_earlier_step_of_the_batch_does_not_run():
    firing = manual(
        [{"key": "fire", "kind": "action", "action": "test.fire_goal"}], name="A"
    )
    waiting = manual([credit("late"), goal()], name="B")
    CustomerFactory()
    funnel_enrol(firing, Customer.objects.all())
    funnel_enrol(waiting, Customer.objects.all())
    # One batch claims both visits: A's "fire" first, then B's "late" credit,
    # which A's event cancels (B reached its goal) before the batch gets to it.
    report = funnels_tick(batch=10, limit=2)
    assert report.done == 1
    late = StepVisit.objects.get(step_key="late")
    assert late.state == StepVisit.State.CANCELLED
    assert late.attempts == 0
    assert not effects().exists()
    assert counter(waiting, "late") == (1, 0, 0)
    assert_consistent()
    funnels_tick()
    run = Run.objects.get(funnel=waiting)
    assert run.state == Run.State.COMPLETED and run.converted_at
    assert not effects().exists()
    assert_consistent()
