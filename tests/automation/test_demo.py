"""seed_demo's funnels: the two example funnels, active, with runs the engine put
where they are (waiting, done, converted); a second run adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from automation.demo import DEMO_PAYLOAD_KEY, demo_funnels_seed
from automation.models import Funnel, Run, StepCounter, StepVisit
from balance.models import Entry
from core import plugins
from core.models import SentEmail
from customers.models import Customer
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

WIN_BACK = "Win-back after an expiry"
WELCOME = "Welcome series"


def seed(customers=None) -> tuple[int, list[str]]:
    lines: list[str] = []
    added = demo_funnels_seed(
        customers if customers is not None else Customer.objects.all(),
        seed=2026,
        log=lines.append,
    )
    return added, lines


def waiting_step(run: Run) -> str:
    return run.visits.get(state=StepVisit.State.SCHEDULED).step_key


def rows() -> dict[str, set]:
    return {
        "funnels": set(Funnel.objects.values_list("pk", "status")),
        "runs": set(Run.objects.values_list("pk", "state", "converted_at")),
        "visits": set(StepVisit.objects.values_list("pk", "state")),
        "entries": set(Entry.objects.values_list("pk", flat=True)),
        "emails": set(SentEmail.objects.values_list("pk", flat=True)),
        "counters": set(StepCounter.objects.values_list("pk", "entered", "waiting")),
    }


@pytest.fixture
def subscribers():
    return CustomerFactory.create_batch(10, newsletter_subscribed=True)


def test_demo_funnels_are_imported_active_with_runs_in_progress(subscribers):
    added, lines = seed()

    assert added == 8
    assert set(Funnel.objects.values_list("name", "status")) == {
        (WIN_BACK, Funnel.Status.ACTIVE),
        (WELCOME, Funnel.Status.ACTIVE),
    }
    win_back = Run.objects.filter(funnel__name=WIN_BACK)
    by_name = {run.payload[DEMO_PAYLOAD_KEY]: run for run in win_back}
    assert set(by_name) == {"waiting-1", "waiting-2", "waiting-3", "done", "converted"}
    for name in ("waiting-1", "waiting-2", "waiting-3"):
        run = by_name[name]
        assert run.state == Run.State.ACTIVE
        assert waiting_step(run) == "week"
        # The engine did the steps before the wait: the credit and the e-mail.
        assert run.visits.get(step_key="gift").state == StepVisit.State.DONE
        assert run.visits.get(step_key="offer").state == StepVisit.State.DONE
    done = by_name["done"]
    assert done.state == Run.State.EXITED and done.converted_at is None
    assert done.visits.get(step_key="week").state == StepVisit.State.DONE
    assert done.visits.get(step_key="renewed-yet").state == StepVisit.State.DONE
    converted = by_name["converted"]
    assert converted.state == Run.State.COMPLETED
    assert converted.converted_at is not None
    assert converted.visits.get(step_key="week").state == StepVisit.State.CANCELLED
    assert converted.visits.get(step_key="renewal").state == StepVisit.State.DONE
    # Each win-back run got its gift once, through the balance's service.
    credited = Entry.objects.filter(kind=Entry.Kind.AUTOMATION)
    assert sorted(credited.values_list("customer_id", flat=True)) == sorted(
        run.customer_id for run in win_back
    )
    assert {str(entry.amount) for entry in credited} == {"10.00"}

    welcome = {
        run.payload[DEMO_PAYLOAD_KEY]: run
        for run in Run.objects.filter(funnel__name=WELCOME)
    }
    assert set(welcome) == {"waiting-1", "waiting-2", "done"}
    for name in ("waiting-1", "waiting-2"):
        assert welcome[name].state == Run.State.ACTIVE
        assert waiting_step(welcome[name]) == "monday"
    assert welcome["done"].state == Run.State.COMPLETED
    assert welcome["done"].visits.get(step_key="tips").state == StepVisit.State.DONE
    # Every e-mail went to a customer who accepts the newsletter, none was late.
    assert not StepVisit.objects.filter(state=StepVisit.State.SKIPPED).exists()
    assert SentEmail.objects.filter(template="automation_email").count() >= 8
    # The statistics agree with the runs: 5 entered the win-back, 3 still wait.
    counters = {
        c.step_key: c
        for c in StepCounter.objects.filter(version__funnel__name=WIN_BACK)
    }
    assert counters["gift"].entered == 5
    assert counters["week"].waiting == 3
    assert "Funnels: 8 demo runs added." in lines


def test_demo_funnels_seeded_twice_add_nothing(subscribers):
    seed()
    first = rows()

    added, lines = seed()

    assert added == 0
    assert rows() == first
    assert "Funnels: 0 demo runs added." in lines


def test_demo_funnels_only_enrol_customers_who_accept_the_newsletter(subscribers):
    others = CustomerFactory.create_batch(5, newsletter_subscribed=False)

    seed()

    enrolled = set(Run.objects.values_list("customer_id", flat=True))
    assert enrolled and enrolled.isdisjoint(customer.pk for customer in others)


def test_demo_funnels_with_few_customers_add_the_rest_later():
    CustomerFactory.create_batch(2, newsletter_subscribed=True)
    assert seed()[0] == 4  # two per funnel
    CustomerFactory.create_batch(8, newsletter_subscribed=True)

    assert seed()[0] == 4
    assert Run.objects.count() == 8
    assert Funnel.objects.count() == 2


@pytest.fixture
def without_credits():
    """The balance's credit action missing, as with the balance switched off."""
    action = plugins.automation_actions.get("balance.assign_credits")
    plugins.automation_actions.unregister("balance.assign_credits")
    yield
    plugins.automation_actions.register(action)


@pytest.mark.usefixtures("without_credits")
def test_demo_funnel_whose_action_is_missing_is_left_out(subscribers):
    added, lines = seed()

    assert list(Funnel.objects.values_list("name", flat=True)) == [WELCOME]
    assert added == 3
    assert any(line.startswith(f"Funnels: “{WIN_BACK}” left out:") for line in lines)


def test_seed_demo_adds_the_demo_funnels():
    call_command("seed_demo", customers=40, stdout=StringIO())
    runs = Run.objects.count()
    assert Funnel.objects.filter(status=Funnel.Status.ACTIVE).count() == 2
    assert runs > 0

    call_command("seed_demo", customers=40, stdout=StringIO())
    # The win-back's credits went through the ledger's service: the balances
    # still add up (the command raises CommandError when one does not).
    call_command("verify_balances", stdout=StringIO())

    assert Run.objects.count() == runs
    assert Funnel.objects.count() == 2
